/* 统计分析: draws each table of the page as a Chart.js chart (stats/vendor/chart.umd.min.js).
   The tables are the data and stay on the page (and are all there is without JavaScript). */
(function () {
  "use strict";
  // Okabe–Ito: told apart with every common colour-vision deficiency; yellow last (low contrast).
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  // Each bar's outline: its own colour, darker where the fill is light (the yellow on white).
  var OUTLINE = { "#F0E442": "#8F8500", "#56B4E9": "#2A7FB0", "#E69F00": "#A86F00" };
  var MAX_LABEL = 12;

  function shorten(text) {
    text = String(text);
    return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 1) + "…" : text;
  }

  function draw(spec) {
    var figure = document.querySelector('[data-chart="' + spec.key + '"]');
    if (!figure || !window.Chart) return;
    figure.hidden = false;
    var horizontal = spec.axis === "y";
    var narrow = window.matchMedia("(max-width: 600px)").matches;
    var category = {
      stacked: spec.stacked,
      ticks: { autoSkip: false, font: { size: 12 }, callback: function (value) { return shorten(this.getLabelForValue(value)); } },
      grid: { display: false }
    };
    var count = { stacked: spec.stacked, beginAtZero: true, ticks: { precision: 0, font: { size: 12 } } };
    var chart = new window.Chart(figure.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, i) {
          var colour = PALETTE[i % PALETTE.length];
          return { label: set.label, data: set.data, backgroundColor: colour, borderColor: OUTLINE[colour] || colour, borderWidth: 1, maxBarThickness: 36 };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: horizontal ? { y: category, x: count } : { x: category, y: count },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14, font: { size: narrow ? 12 : 13 } } },
          tooltip: { callbacks: { title: function (items) { return items.length ? spec.labels[items[0].dataIndex] : ""; } } }
        }
      }
    });
    figure.chart = chart;
  }

  function start() {
    var data = document.getElementById("stats-charts");
    if (!data || !window.Chart) return;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = "#1f2328";
    JSON.parse(data.textContent).forEach(draw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
