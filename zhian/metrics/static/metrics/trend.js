/* 考核 dashboard: the trend chart (Apache ECharts, vendored). One indicator at a time, chosen
   with the select next to the chart; its last months as a line, months without a value left
   as gaps ("—", never 0). Data from a json_script node; the tooltip is drawn on the canvas
   (richText), so no server string is parsed as HTML and no inline style is needed (CSP). */
(function () {
  "use strict";
  if (!window.Zhian || !window.echarts) { return; }

  function option(series, words) {
    return {
      animation: false,
      aria: { enabled: true },
      grid: { left: 56, right: 24, top: 32, bottom: 40 },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: series.months, boundaryGap: false },
      yAxis: { type: "value", name: series.unit, scale: true },
      series: [{
        name: series.name,
        type: "line",
        data: series.values,
        connectNulls: false,
        symbolSize: 6,
      }],
      title: { text: series.name + " · " + (series.direction === "rise" ? words.rise : words.fall),
               textStyle: { fontSize: 14 } },
    };
  }

  window.Zhian.register("metrics-trend", function (el, data) {
    if (!data || !data.series || !data.series.length) { return; }
    var chart = window.echarts.init(el.querySelector("[data-chart]"), null, { renderer: "canvas" });
    var select = el.querySelector("select[data-indicator]");
    var words = { rise: el.dataset.rise || "", fall: el.dataset.fall || "" };
    function show() {
      var chosen = data.series.find(function (s) { return s.code === select.value; }) || data.series[0];
      chart.setOption(option(chosen, words), true);
    }
    select.addEventListener("change", show);
    window.addEventListener("resize", function () { chart.resize(); });
    show();
  });
})();
