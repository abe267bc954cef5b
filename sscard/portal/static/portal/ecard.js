/* The electronic card's code renews itself shortly before it expires. */
(function () {
  "use strict";
  var EARLY_MS = 10000;

  function schedule(section) {
    var code = section.querySelector("[data-ecard-expires]");
    if (!code) return;
    var wait = Math.max(1000, Number(code.dataset.ecardExpires) - Date.now() - EARLY_MS);
    window.setTimeout(function () { renew(section); }, wait);
  }

  function renew(section) {
    fetch(section.dataset.ecardRefresh, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.text();
      })
      .then(function (html) {
        section.innerHTML = html;
        schedule(section);
      })
      .catch(function () { window.setTimeout(function () { renew(section); }, 5000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-ecard-refresh]").forEach(schedule);
  });
})();
