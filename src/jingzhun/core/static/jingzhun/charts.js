/* Jingzhun dashboard charts. The page embeds its figures with Django's json_script (#chart-data); every
   element with data-chart="<name>" becomes an ECharts chart. No inline script: the CSP allows this file only. */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var TIER_COLOURS = {
    fragile: "#c0392b",
    general: "#d4a017",
    stable: "#3f7f8c",
    high_quality: "#2e8b57"
  };
  var FONT = getComputedStyle(document.body).fontFamily;
  var INK = cssVar("--ink-soft", "#4a5868");

  var builders = {
    status: function (data) {
      var rows = data.status.filter(function (r) { return r.people > 0; });
      return {
        tooltip: { trigger: "item", formatter: "{b}<br>{c} ({d}%)" },
        legend: { bottom: 0, type: "scroll", textStyle: { color: INK } },
        series: [{
          type: "pie",
          radius: ["42%", "68%"],
          center: ["50%", "44%"],
          avoidLabelOverlap: true,
          label: { formatter: "{b}\n{c}", color: INK },
          data: rows.map(function (r) {
            return { name: r.label, value: r.people, itemStyle: { color: cssVar("--s-" + r.status, "#9aa5b1") } };
          })
        }]
      };
    },
    tiers: function (data) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.tiers.map(function (r) { return r.label; }), axisLabel: { color: INK, interval: 0 } },
        yAxis: { type: "value", axisLabel: { color: INK } },
        series: [{
          type: "bar",
          barMaxWidth: 48,
          label: { show: true, position: "top", color: INK },
          data: data.tiers.map(function (r) {
            return { value: r.households, itemStyle: { color: TIER_COLOURS[r.tier] || "#1f4e79" } };
          })
        }]
      };
    },
    villages: function (data, element) {
      var rows = data.villages.slice().reverse(); // highest at the top of a horizontal bar chart
      element.style.height = Math.max(160, 56 + rows.length * 24) + "px";
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", axisLabel: { color: INK, formatter: "{value}%" } },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { color: INK } },
        series: [{
          type: "bar",
          barMaxWidth: 18,
          itemStyle: { color: cssVar("--brand", "#1f4e79") },
          label: { show: true, position: "right", color: INK, formatter: "{c}%" },
          data: rows.map(function (r) { return r.incidence; })
        }]
      };
    }
  };

  // The leadership dashboard (reports/dashboard.html).
  builders.years = function (data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, textStyle: { color: INK } },
      grid: { left: 8, right: 8, top: 24, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: data.years.map(function (r) { return r.year; }), axisLabel: { color: INK } },
      yAxis: [
        { type: "value", name: "人", axisLabel: { color: INK } },
        { type: "value", name: "%", axisLabel: { color: INK, formatter: "{value}%" }, splitLine: { show: false } }
      ],
      series: [
        { name: "贫困人口", type: "bar", barMaxWidth: 40, itemStyle: { color: cssVar("--brand", "#1f4e79") },
          data: data.years.map(function (r) { return r.poor; }) },
        { name: "贫困发生率", type: "line", yAxisIndex: 1, itemStyle: { color: "#c0392b" },
          label: { show: true, formatter: "{c}%", color: INK },
          data: data.years.map(function (r) { return r.incidence; }) }
      ]
    };
  };
  builders.exits = function (data) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.exits.map(function (r) { return r.year; }), axisLabel: { color: INK } },
      yAxis: { type: "value", axisLabel: { color: INK } },
      series: [{ type: "bar", barMaxWidth: 40, itemStyle: { color: "#2e8b57" },
        label: { show: true, position: "top", color: INK },
        data: data.exits.map(function (r) { return r.households; }) }]
    };
  };
  builders.stages = function (data, element) {
    var rows = data.stages.slice().reverse();
    element.style.height = Math.max(160, 56 + rows.length * 28) + "px";
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { color: INK } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: { color: INK } },
      series: [{ type: "bar", barMaxWidth: 18, itemStyle: { color: cssVar("--brand", "#1f4e79") },
        label: { show: true, position: "right", color: INK },
        data: rows.map(function (r) { return r.n; }) }]
    };
  };

  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var locale = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = builders[element.getAttribute("data-chart")];
      if (!build || !data[element.getAttribute("data-chart")]) {
        return;
      }
      var option = build(data, element);
      option.textStyle = { fontFamily: FONT };
      option.animation = false;
      var chart = echarts.init(element, null, { locale: locale });
      chart.setOption(option);
      element.setAttribute("data-ready", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
