// The contact and lost-lead forms: fields shown only when they apply, the grade assistant, the next date.
(function () {
  "use strict";

  function valueOf(form, name) {
    const checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.value;
    const field = form.querySelector('[name="' + name + '"]');
    return field && field.type !== "radio" && field.type !== "checkbox" ? field.value : "";
  }

  // 1. Blocks marked data-show-when="field:value" (test drive, competitor) appear only for that value.
  document.querySelectorAll("[data-show-when]").forEach(function (block) {
    const form = block.closest("form");
    const [name, value] = block.dataset.showWhen.split(":");
    function update() { block.classList.toggle("d-none", valueOf(form, name) !== value); }
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  });

  const form = document.getElementById("contact-form");
  if (!form) return;

  // 2. The grade assistant: the server weighs the factors (one rule for page and save) and we show its answer.
  const box = document.getElementById("grade-suggestion");
  const suggested = form.querySelector("[name=suggested_grade]");
  const watched = ["has_need", "has_decision_power", "has_purchasing_power", "expected_purchase_date", "signals"];
  function chooseGrade(grade) {
    const radio = form.querySelector('[name=grade_after][value="' + grade + '"]');
    if (radio && !radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  let latestRequest = 0;  // replies can arrive out of order: only the newest request's answer counts
  function suggest() {
    const requestId = ++latestRequest;
    const params = new URLSearchParams();
    watched.forEach(function (name) {
      form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
        if (input.type === "checkbox") { if (input.checked) params.append(name, input.value || "on"); }
        else if (input.value) params.append(name, input.value);
      });
    });
    fetch(form.dataset.gradeSuggestUrl + "?" + params.toString(), {
      headers: { "Accept": "application/json" }, credentials: "same-origin",
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || requestId !== latestRequest) return;
        box.textContent = data.message;
        suggested.value = data.grade;
        // No factor ticked, no suggestion: the consultant's grade stands.
        if (data.grade && valueOf(form, "kind") !== "order") chooseGrade(data.grade);
      })
      .catch(function () { /* the server checks again on save */ });
  }
  watched.forEach(function (name) {
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      input.addEventListener("change", suggest);
    });
  });

  // 3. The next contact date follows the grade's interval until the consultant types one themselves.
  const days = JSON.parse(form.dataset.followUpDays || "{}");
  const next = form.querySelector("[name=next_follow_up]");
  const day = form.querySelector("[name=contact_date]");
  let typed = next.value !== "";
  next.addEventListener("input", function () { typed = next.value !== ""; });
  function fillNext() {
    if (typed) return;
    const interval = days[valueOf(form, "grade_after")];
    if (!interval || !day.value) { next.value = ""; return; }
    const date = new Date(day.value + "T00:00:00Z");
    date.setUTCDate(date.getUTCDate() + interval);
    next.value = date.toISOString().slice(0, 10);
  }
  form.querySelectorAll("[name=grade_after]").forEach(function (input) { input.addEventListener("change", fillNext); });
  day.addEventListener("change", fillNext);
  fillNext();

  // 4. An order is grade O.
  form.querySelectorAll("[name=kind]").forEach(function (input) {
    input.addEventListener("change", function () { if (valueOf(form, "kind") === "order") chooseGrade("O"); });
  });
})();
