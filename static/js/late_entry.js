// The register form on a signed-off day: when the date changes, ask the server whether that day is signed off,
// and show (or hide) the late-entry notice and its reason field before the user types the rest.
(function () {
  "use strict";
  const box = document.getElementById("late-entry");
  const form = document.getElementById("visit-form");
  if (!box || !form) return;
  const dateField = form.querySelector("[name=visit_date]");
  const notice = box.querySelector("#late-entry-notice span");
  if (!dateField) return;

  function check() {
    if (!dateField.value) return;
    const url = new URL(box.dataset.dayStatusUrl, window.location.href);
    url.searchParams.set("date", dateField.value);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        notice.textContent = data.message;
        box.hidden = !data.signed_off;
      })
      .catch(function () { /* offline: the server says so on save */ });
  }
  dateField.addEventListener("change", check);
})();
