// Draws the dashboard's charts with the vendored Chart.js. Each <canvas data-chart="ID"> reads its data from
// the <script type="application/json" id="ID"> the page renders with json_script (see reports/analytics/charts.py):
// {labels, datasets: [{label, data, color, line}], stacked, horizontal, percent}.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  Chart.defaults.font.family =
    'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Segoe UI", sans-serif';
  Chart.defaults.maintainAspectRatio = false;

  // A share in per cent: 0-100 % for a chart of shares; the rate line beside bars scales to its own values
  // (an order rate of 8 % would lie flat on a 0-100 axis).
  function percentAxis(position) {
    const axis = {
      position: position,
      beginAtZero: true,
      ticks: { callback: function (value) { return value + "%"; } },
      grid: { drawOnChartArea: position !== "right" },
    };
    if (position !== "right") axis.suggestedMax = 100;
    return axis;
  }

  function config(spec) {
    const hasLine = spec.datasets.some(function (set) { return set.line; });
    const datasets = spec.datasets.map(function (set) {
      const dataset = {
        label: set.label,
        data: set.data,
        backgroundColor: set.color,
        borderColor: set.color,
        borderWidth: set.line ? 2 : 0,
      };
      if (set.line) {
        Object.assign(dataset, { type: "line", yAxisID: "rate", tension: 0.25, pointRadius: 3, spanGaps: true });
      }
      return dataset;
    });
    const valueAxis = spec.percent
      ? percentAxis("left")
      : { beginAtZero: true, stacked: spec.stacked, ticks: { precision: 0 } };
    const categoryAxis = { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } };
    const scales = spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis };
    if (hasLine) scales.rate = percentAxis("right");
    return {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (context) {
                const value = spec.horizontal ? context.parsed.x : context.parsed.y;
                const isPercent = spec.percent || context.dataset.yAxisID === "rate";
                if (value === null || value === undefined) return context.dataset.label + ": –";
                return context.dataset.label + ": " + value + (isPercent ? "%" : "");
              },
            },
          },
        },
        scales: scales,
      },
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    new Chart(canvas, config(JSON.parse(source.textContent)));
  });
})();
