/* The terminal: the on-screen pad types into the field last touched; a receipt is printed with
   the button; after KIOSK_IDLE_SECONDS without a touch a warning counts down, then the session
   ends (the end address flushes it) and the start screen shows. */
(function () {
  "use strict";
  var body = document.body;

  // ---- the pad
  var target = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("field")) { target = event.target; }
  });
  document.querySelectorAll(".key").forEach(function (key) {
    key.addEventListener("click", function () {
      var form = key.closest("form");
      var field = target && form && form.contains(target) ? target : form && form.querySelector(".field");
      if (!field) { return; }
      var value = key.getAttribute("data-key");
      var max = field.maxLength > 0 ? field.maxLength : 120;
      if (value === "back") { field.value = field.value.slice(0, -1); }
      else if (value === "clear") { field.value = ""; }
      else if (field.value.length < max) { field.value += value; }
      if (field.maxLength > 0 && field.value.length >= field.maxLength) {
        var fields = Array.prototype.slice.call(form.querySelectorAll(".field"));
        var next = fields[fields.indexOf(field) + 1];
        if (next) { target = next; next.focus(); return; }
      }
      field.focus();
    });
  });

  // ---- printing
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // ---- the idle timer (personal pages only)
  var idle = parseInt(body.getAttribute("data-idle") || "0", 10);
  var warning = parseInt(body.getAttribute("data-warning") || "0", 10);
  var endUrl = body.getAttribute("data-end");
  if (!idle || !endUrl) { return; }
  var box = document.getElementById("idle-warning");
  var count = document.getElementById("idle-count");
  var stay = document.getElementById("idle-stay");
  var last = Date.now();
  var ending = false;
  function touched() { if (!box || box.hidden) { last = Date.now(); } }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true });
  });
  if (stay) {
    stay.addEventListener("click", function () { box.hidden = true; last = Date.now(); });
  }
  function end() {
    if (ending) { return; }
    ending = true;
    // replace: the personal page leaves the history, so Back does not return to it.
    window.location.replace(endUrl);
  }
  window.setInterval(function () {
    var quiet = (Date.now() - last) / 1000;
    if (quiet >= idle) {
      var left = Math.max(0, Math.ceil(warning - (quiet - idle)));
      if (box) {
        if (box.hidden) { box.hidden = false; if (stay) { stay.focus(); } }
        if (count) { count.textContent = String(left); }
      }
      if (left <= 0) { end(); }
    }
  }, 250);
  // A page shown again from the browser's cache (Back) goes to the end at once.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { end(); } });
})();
