// The callback form: the complaint's text appears when "the customer has a complaint" is ticked; a customer who
// was not reached gives no score (the server checks both again).
(function () {
  "use strict";
  const form = document.getElementById("callback-form");
  if (!form) return;
  const tick = form.querySelector("input[name=has_complaint]");
  const text = form.querySelector("textarea[name=complaint]");
  const wrapper = text && text.closest(".mb-3");
  function update() {
    const reached = form.querySelector("input[name=reached]:checked");
    const notReached = reached && reached.value === "no";
    form.querySelectorAll("input[name=satisfaction]").forEach(function (input) {
      input.disabled = notReached;
      if (notReached) input.checked = false;
    });
    tick.disabled = notReached;
    if (notReached) tick.checked = false;
    if (wrapper) wrapper.classList.toggle("d-none", !tick.checked);
  }
  form.addEventListener("change", update);
  update();
})();
