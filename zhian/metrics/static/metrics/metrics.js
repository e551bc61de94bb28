/* 考核 pages: submit the period form when a select changes, show only the inputs of the
   chosen period kind, fill the figure form from a row's "修改" button, and draw the
   dashboard's area map (data from json_script; names and values reach the DOM as text
   nodes; the legend is server-rendered). */
(function () {
  "use strict";
  document.querySelectorAll("form[data-period-form]").forEach(function (form) {
    var kind = form.querySelector("[data-period-kind]");
    function sync() {
      form.querySelectorAll("[data-kind]").forEach(function (label) {
        var on = label.getAttribute("data-kind") === kind.value;
        label.hidden = !on;
        label.querySelectorAll("input").forEach(function (input) { input.disabled = !on; });
      });
    }
    if (kind) { kind.addEventListener("change", sync); sync(); }
    form.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
  });
  document.querySelectorAll("button[data-edit-figure]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.querySelector("form.stack");
      if (!form) { return; }
      ["indicator", "jurisdiction", "month", "value", "denominator", "note", "version"].forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field) { field.value = button.getAttribute("data-" + name) || ""; }
      });
      form.elements.namedItem("value").focus();
    });
  });
  var mapEl = document.getElementById("kpi-map");
  var mapData = document.getElementById("kpi-map-data");
  if (mapEl && mapData && window.L) {
    var data = JSON.parse(mapData.textContent);
    var map = L.map(mapEl, { zoomSnap: 0.25 });
    if (mapEl.dataset.tiles) {
      L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: mapEl.dataset.attribution || "", crossOrigin: true }).addTo(map);
    } else {
      mapEl.classList.add("plain");
    }
    var layer = L.geoJSON(data, {
      style: function (feature) {
        var tone = feature.properties.tone;
        return { className: "area tone-class-" + (tone === null ? "none" : tone), weight: 1, fillOpacity: 0.75 };
      },
      onEachFeature: function (feature, area) {
        var p = feature.properties;
        var label = document.createElement("div");
        var name = document.createElement("strong");
        name.textContent = p.name;
        var value = document.createElement("div");
        value.textContent = p.display;
        label.appendChild(name);
        label.appendChild(value);
        if (p.reason) {
          var why = document.createElement("small");
          why.textContent = p.reason;
          label.appendChild(why);
        }
        area.bindTooltip(label, { permanent: true, direction: "center", className: "area-label" });
        area.on("click", function () { window.location.assign(p.drill); });
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [8, 8] });
  }
})();
