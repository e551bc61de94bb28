/* Zhian map component: Leaflet with no external tiles unless a tile URL is configured. */
(function () {
  "use strict";
  const COLORS = { bureau: "#7a1f1f", station: "#1f4e79", sector: "#2e7d32", grid: "#8d6e63" };

  function create(el) {
    const map = L.map(el, { zoomSnap: 0.25, preferCanvas: true });
    const tiles = el.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("plain");
    }
    map.setView([0, 0], 2);
    map._zhian = { el: el, layer: null };
    el.zhianMap = map; // for tests and tooling: the element leads to its map
    return map;
  }

  function style(feature) {
    const kind = feature.properties.kind;
    return { color: COLORS[kind] || "#333", weight: kind === "grid" ? 1 : 2, fillOpacity: 0.08 };
  }

  function loadJurisdictions(map, kind, parent, fit) {
    const el = map._zhian.el;
    const url = new URL(el.dataset.geojson, window.location.origin);
    if (kind) url.searchParams.set("kind", kind);
    if (parent) url.searchParams.set("parent", parent);
    el.setAttribute("aria-busy", "true");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then((data) => {
        if (map._zhian.layer) map.removeLayer(map._zhian.layer);
        const layer = L.geoJSON(data, {
          style: style,
          onEachFeature: (f, l) => {
            const p = f.properties;
            l.bindTooltip(Zhian.text(p.name + " (" + p.code + ")"));
            l.on("click", () => { window.location = el.dataset.detail + encodeURIComponent(p.code) + "/"; });
          },
        }).addTo(map);
        map._zhian.layer = layer;
        el.dataset.features = String(data.features.length);
        if (fit !== false && data.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      })
      .catch((err) => { el.dataset.error = String(err); })
      .finally(() => el.setAttribute("aria-busy", "false"));
  }

  function showBoundary(map, geometry) {
    const layer = L.geoJSON(geometry, { style: { color: "#c62828", weight: 3, fillOpacity: 0.05 } }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    return layer;
  }

  /* Home page: the jurisdictions of the level chosen in the select named by data-kind-select. */
  Zhian.register("jurisdictions", (el) => {
    const map = create(el);
    const kind = document.getElementById(el.dataset.kindSelect);
    const load = () => loadJurisdictions(map, kind ? kind.value : null);
    if (kind) kind.addEventListener("change", load);
    load();
  });

  /* A jurisdiction's page: its boundary (data-json) and its children (data-parent). */
  Zhian.register("boundary", (el, geometry) => {
    const map = create(el);
    if (geometry) showBoundary(map, geometry);
    loadJurisdictions(map, null, el.dataset.parent, false);
  });

  window.ZhianMap = { create: create, loadJurisdictions: loadJurisdictions, showBoundary: showBoundary };
})();
