// The delivery checklist page: a refused item stops looking refused once ticked, and the customer's signature is
// drawn on a <canvas> with a finger, pen or mouse and sent as a PNG data: URL in the form's hidden "signature"
// field. Without canvas support the typed name is enough.
(function () {
  "use strict";
  const form = document.getElementById("checklist-form");
  if (form) {
    form.querySelectorAll(".checklist-item input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        const item = box.closest(".checklist-item");
        if (box.checked) {
          item.classList.remove("list-group-item-danger");
          box.classList.remove("is-invalid");
          item.querySelectorAll(".invalid-feedback").forEach(function (error) { error.remove(); });
        }
        // The count of open items was true when the page was drawn; the server counts again on submit.
        const summary = document.getElementById("open-items");
        if (summary) summary.classList.add("d-none");
      });
    });
  }
  const canvas = document.getElementById("signature-pad");
  if (!canvas || !form || !canvas.getContext) {
    if (canvas) canvas.closest("#signature-block").classList.add("d-none");
    return;
  }
  const field = form.querySelector("input[name=signature]");
  const context = canvas.getContext("2d");
  let drawn = false;
  let last = null;

  // 1. The drawing surface in device pixels, so lines stay sharp on a phone's dense screen.
  function resize() {
    const ratio = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.lineWidth = 2.2;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";
    drawn = false;
  }
  resize();
  // A signature drawn before a refused save comes back in the hidden field: show it on the pad again.
  if (field.value) {
    const drawnBefore = new Image();
    drawnBefore.onload = function () {
      const box = canvas.getBoundingClientRect();
      context.drawImage(drawnBefore, 0, 0, box.width, box.height);
    };
    drawnBefore.src = field.value;
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  // 2. Pointer events cover mouse, touch and pen alike.
  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    context.beginPath();
    context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
    context.fillStyle = context.strokeStyle;
    context.fill();
    drawn = true;
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!last) return;
    const next = point(event);
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
  });
  function stop() { last = null; }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);

  // 3. Clear starts again; submitting sends what was drawn (nothing if the pad was left empty).
  document.getElementById("signature-clear").addEventListener("click", function () {
    context.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    field.value = "";
  });
  form.addEventListener("submit", function () {
    if (drawn) field.value = canvas.toDataURL("image/png");
  });
})();
