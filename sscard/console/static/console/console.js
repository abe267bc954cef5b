/* sscard staff console: small helpers; every page works without them. */
(function () {
  "use strict";

  // The documents checklist follows who presents: swap it when the presenter changes.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name !== "presenter" || !input.form || !input.form.dataset.checklistUrl) return;
    var params = new URLSearchParams();
    params.set("presenter", input.value);
    input.form.querySelectorAll("input[name=documents]:checked").forEach(function (box) {
      params.append("documents", box.value);
    });
    var url = input.form.dataset.checklistUrl + "?" + params.toString();
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#checklist", swap: "outerHTML" });
    }
  });

  // The PIN pad's on-screen keys type into the PIN field that has the focus (or the first
  // one not yet full).
  var lastPin = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches(".pin-form input[type=password]")) {
      lastPin = event.target;
    }
  });
  document.addEventListener("click", function (event) {
    var key = event.target.closest && event.target.closest(".keypad [data-key]");
    if (!key) return;
    var fields = Array.prototype.slice.call(document.querySelectorAll(".pin-form input[type=password]"));
    var field = lastPin || fields.find(function (f) { return f.value.length < 6; }) || fields[0];
    if (!field) return;
    var value = key.dataset.key;
    if (value === "clear") field.value = "";
    else if (value === "back") field.value = field.value.slice(0, -1);
    else if (field.value.length < 6) field.value += value;
    if (field.value.length === 6) {
      var next = fields[fields.indexOf(field) + 1];
      if (next) { lastPin = next; next.focus(); }
    }
  });

  // Put the reader on the error summary when a form comes back refused.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
