// The visit form's two conveniences: arrival shortcuts, and a warning when the phone number is already known.
(function () {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form) return;

  const departure = form.querySelector("[name=departure_time]");
  const arrival = form.querySelector("[name=arrival_time]");
  document.querySelectorAll("#arrival-shortcuts [data-minutes]").forEach(function (button) {
    button.addEventListener("click", function () {
      const [h, m] = (departure.value || "00:00").split(":").map(Number);
      let total = h * 60 + m - Number(button.dataset.minutes);
      if (total < 0) total = 0;
      arrival.value = String(Math.floor(total / 60)).padStart(2, "0") + ":" + String(total % 60).padStart(2, "0");
    });
  });

  const phone = form.querySelector("[name=phone]");
  const noPhone = form.querySelector("[name=no_phone]");
  const notice = document.getElementById("phone-known");
  let timer = null;
  function checkPhone() {
    const value = phone.value.trim();
    if (value.replace(/\D/g, "").length < 7) { notice.classList.add("d-none"); return; }
    const url = new URL(form.dataset.phoneCheckUrl, window.location.href);
    url.searchParams.set("phone", value);
    if (form.dataset.exclude) url.searchParams.set("exclude", form.dataset.exclude);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.known) {
          notice.textContent = data.message;
          notice.classList.remove("d-none");
        } else {
          notice.classList.add("d-none");
        }
      })
      .catch(function () { notice.classList.add("d-none"); });
  }
  if (phone) {
    phone.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(checkPhone, 300); });
    phone.addEventListener("blur", checkPhone);
    if (noPhone) {
      phone.addEventListener("input", function () { if (phone.value.trim()) noPhone.checked = false; });
      noPhone.addEventListener("change", function () { if (noPhone.checked) { phone.value = ""; notice.classList.add("d-none"); } });
    }
  }
})();
