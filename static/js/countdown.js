// Live countdowns to a deadline: every element with data-due (an ISO 8601 time) shows the minutes and seconds
// left (mm:ss, hours counted into the minutes) and turns red, with its data-overdue-label, once the time passed.
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.due) - Date.now()) / 1000);
      if (isNaN(left)) { return; }
      if (left <= 0) {
        el.textContent = el.dataset.overdueLabel || "00:00";
        el.classList.remove("text-bg-warning");
        el.classList.add("text-bg-danger", "countdown-overdue");
        return;
      }
      el.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    });
  }
  if (window.__countdownStarted) { return; }
  window.__countdownStarted = true;
  tick();
  setInterval(tick, 1000);
})();
