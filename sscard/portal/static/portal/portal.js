/* Small enhancements; every page works without them. */
(function () {
  "use strict";

  function focusErrors(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (summary) summary.focus();
  }

  function setupLocate(root) {
    (root || document).querySelectorAll(".js-locate").forEach(function (button) {
      if (!("geolocation" in navigator) || button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      var status = button.parentNode.querySelector(".js-locate-status");
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.target);
        if (status) status.textContent = button.dataset.waiting || "…";
        navigator.geolocation.getCurrentPosition(
          function (position) {
            input.value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
            if (status) status.textContent = "";
            input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit();
          },
          function () {
            if (status) status.textContent = button.dataset.failed || "";
          },
          { timeout: 10000, maximumAge: 60000 }
        );
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors(document);
    setupLocate(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    focusErrors(event.target);
    setupLocate(document);
  });
})();
