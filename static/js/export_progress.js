// The background export's progress bar: asks the server every second how far the workbook is, moves the bar,
// and shows the download link (or the error) when the task is done. No framework; one request at a time.
(function () {
  "use strict";
  const card = document.getElementById("export-progress");
  if (!card) return;
  const url = card.dataset.statusUrl;
  const bar = document.getElementById("export-bar");
  const fill = bar.querySelector(".progress-bar");
  const label = document.getElementById("export-status-label");
  const rows = document.getElementById("export-rows");
  const download = document.getElementById("export-download");
  const failure = document.getElementById("export-error");
  const notice = document.getElementById("export-notice");
  const FINISHED = ["done", "failed"];

  function show(state) {
    card.dataset.status = state.status;
    label.textContent = state.status_label;
    fill.style.width = state.progress + "%";
    fill.textContent = state.progress + "%";
    bar.setAttribute("aria-valuenow", state.progress);
    // While it runs: rows written of the estimate (the long sheets); when done: the workbook's own count.
    // The templates come translated from the page ({0}, {1}: numbers, so no word is left untranslated).
    rows.textContent =
      state.status === "done"
        ? rows.dataset.doneTemplate.replace("{0}", state.row_count)
        : rows.dataset.template.replace("{0}", state.rows_written).replace("{1}", state.rows_expected);
    // Waiting for the broker, restarted after an interruption, ...: said by the server, in the user's language.
    notice.textContent = state.notice;
    notice.classList.toggle("d-none", !state.notice);
    if (state.status === "done") {
      fill.classList.remove("progress-bar-animated");
      fill.classList.add("bg-success");
      if (state.download_url) {
        download.href = state.download_url;
        download.classList.remove("d-none");
      }
    } else if (state.status === "failed") {
      fill.classList.remove("progress-bar-animated");
      fill.classList.add("bg-danger");
      failure.querySelector("span").textContent = state.error;
      failure.classList.remove("d-none");
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((state) => {
        show(state);
        if (!FINISHED.includes(state.status)) window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 3000)); // a dropped request: try again, a little later
  }

  if (!FINISHED.includes(card.dataset.status)) window.setTimeout(poll, 1000);
})();
