// The tracker's "tick all" box for the manager's reassignment.
(function () {
  "use strict";
  const all = document.getElementById("select-all-leads");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll(".lead-check").forEach(function (box) { box.checked = all.checked; });
  });
})();
