/* 研判 pages: the 三张图 map (layers, clustering, density, export) and the plan page's
   print button. No inline scripts: data comes from json_script, text from data-*
   attributes, and every server string reaches the DOM as textContent. */
(function () {
  "use strict";
  const ROUTE_COLOURS = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e", "#ad1457"];

  function text(el, value) { const s = document.createElement("span"); s.textContent = value; el.appendChild(s); return s; }
  function tipNode(lines) {
    const div = document.createElement("div");
    lines.forEach((l) => { const p = document.createElement("div"); p.textContent = l; div.appendChild(p); });
    return div;
  }
  function ramp(v, max, hue) {
    const f = max > 0 ? Math.min(1, v / max) : 0;
    return "hsl(" + hue + ", 80%, " + Math.round(85 - 50 * f) + "%)";
  }

  function createMap(el) {
    const map = L.map(el, { zoomSnap: 0.25, preferCanvas: true });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "", crossOrigin: true }).addTo(map);
    } else {
      el.classList.add("plain");
    }
    return map;
  }

  /* Grid clustering in screen space: below zoom 16 points within 48 px are drawn as one
     circle sized and labelled by count; from zoom 16 each incident is a point. */
  function clusterLayer(map, points, words) {
    const group = L.layerGroup();
    function draw() {
      group.clearLayers();
      const z = map.getZoom();
      const weighted = points.some((p) => p.length > 3);
      if (z >= 16) {
        // counted cells (a busy period) leave the single points to viewPoints
        if (!weighted) points.forEach((p) => {
          L.circleMarker([p[1], p[0]], { radius: 4, color: "#b71c1c", weight: 1, fillOpacity: 0.8 })
            .bindTooltip(tipNode([p[2]])).addTo(group);
        });
        return;
      }
      const cells = new Map();
      points.forEach((p) => {
        const pt = map.project([p[1], p[0]], z);
        const key = Math.floor(pt.x / 48) + ":" + Math.floor(pt.y / 48);
        const c = cells.get(key) || { n: 0, lon: 0, lat: 0 };
        const w = p.length > 3 ? p[3] : 1;
        c.n += w; c.lon += w * p[0]; c.lat += w * p[1];
        cells.set(key, c);
      });
      cells.forEach((c) => {
        const r = Math.min(24, 5 + 3 * Math.sqrt(c.n));
        L.circleMarker([c.lat / c.n, c.lon / c.n], { radius: r, color: "#b71c1c", weight: 1, fillOpacity: 0.55, className: "cluster" })
          .bindTooltip(tipNode([c.n + " " + words.count]), { permanent: c.n > 1, direction: "center", className: "cluster-label" })
          .addTo(group);
      });
    }
    map.on("zoomend", draw);
    group.redraw = draw;
    return group;
  }

  /* The density surface: H3 hexagons [lon, lat, n, ring] coloured by count. */
  function hexLayer(cells, hue, label) {
    const max = cells.reduce((m, c) => Math.max(m, c[2]), 0);
    const group = L.layerGroup();
    cells.forEach((c) => {
      L.polygon(c[3].map((v) => [v[1], v[0]]), { weight: 0, fillColor: ramp(c[2], max, hue), fillOpacity: 0.6 })
        .bindTooltip(tipNode([label(c[2])])).addTo(group);
    });
    return group;
  }

  /* A busy period sends counted cells only: from the layer's zoom on, the single incidents
     of the view are asked for (the server refuses with a message when the view still
     holds too many). Stale answers are dropped: only the latest request draws. */
  function viewPoints(map, el, data, words) {
    const group = L.layerGroup();
    const note = document.getElementById("points-note");
    let seq = 0;
    function say(msg) { if (note) note.textContent = msg; }
    function load() {
      const mine = ++seq;
      group.clearLayers();
      if (!map.hasLayer(group)) return; // another layer is shown
      el.dataset.zoom = String(map.getZoom());
      if (map.getZoom() < data.incidents.points_min_zoom) { say(words.zoomIn); el.dataset.points = "zoomed-out"; return; }
      const b = map.getBounds();
      const q = new URLSearchParams(data.query);
      q.set("west", b.getWest().toFixed(6)); q.set("south", b.getSouth().toFixed(6));
      q.set("east", b.getEast().toFixed(6)); q.set("north", b.getNorth().toFixed(6));
      fetch(el.dataset.pointsUrl + "?" + q.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => r.json().then((body) => ({ ok: r.ok, body: body })))
        .then((res) => {
          if (mine !== seq) return;
          if (!res.ok) { say(res.body.detail || words.pointsFailed); return; }
          if (res.body.too_many) { say(res.body.message); el.dataset.points = "too-many"; return; }
          res.body.points.forEach((p) => {
            L.circleMarker([p[1], p[0]], { radius: 4, color: "#b71c1c", weight: 1, fillOpacity: 0.8 })
              .bindTooltip(tipNode([p[2]])).addTo(group);
          });
          say("");
          el.dataset.points = String(res.body.points.length);
        })
        .catch(() => { if (mine === seq) say(words.pointsFailed); });
    }
    map.on("moveend", load);
    group.on("add", load);
    return group;
  }

  function deploymentLayer(data, words) {
    const group = L.layerGroup();
    if (data.forecast) {
      const max = data.forecast.cells.reduce((m, c) => Math.max(m, c[2]), 0);
      const half = data.forecast.size_m / 2;
      data.forecast.cells.slice(0, 200).forEach((c) => {
        const dLat = half / 111320, dLon = dLat / Math.cos(c[1] * Math.PI / 180);
        L.rectangle([[c[1] - dLat, c[0] - dLon], [c[1] + dLat, c[0] + dLon]], { weight: 0, fillColor: ramp(c[2], max, 280), fillOpacity: 0.5 })
          .bindTooltip(tipNode([words.risk + " " + c[2].toFixed(3)])).addTo(group);
      });
    }
    (data.alerts || []).forEach((a) => {
      L.circle([a.lat, a.lon], { radius: a.radius_m, color: "#e65100", weight: 2, dashArray: "4 4", fillOpacity: 0.05 })
        .bindTooltip(tipNode([a.category, words.until + " " + a.ends_at.slice(0, 10)])).addTo(group);
    });
    if (data.plan) {
      data.plan.routes.forEach((r, k) => {
        const colour = ROUTE_COLOURS[k % ROUTE_COLOURS.length];
        const line = [[r.lat, r.lon]].concat(r.visits.map((v) => [v.lat, v.lon])).concat([[r.lat, r.lon]]);
        L.polyline(line, { color: colour, weight: 2, opacity: 0.8 }).bindTooltip(tipNode([r.call_sign])).addTo(group);
        L.circleMarker([r.lat, r.lon], { radius: 7, color: colour, fillOpacity: 1 }).bindTooltip(tipNode([r.call_sign])).addTo(group);
        r.visits.forEach((v) => {
          L.circleMarker([v.lat, v.lon], { radius: 5, color: colour, fillOpacity: 0.9 })
            .bindTooltip(tipNode([r.call_sign + " · " + words.order + " " + v.order, v.area_name || v.area])).addTo(group);
        });
      });
    }
    return group;
  }

  function boundsOf(data) {
    const pts = [];
    data.incidents.points.forEach((p) => pts.push([p[1], p[0]]));
    data.incidents.density.forEach((c) => pts.push([c[1], c[0]]));
    data.patrol.cells.forEach((c) => pts.push([c[1], c[0]]));
    if (data.plan) data.plan.routes.forEach((r) => { pts.push([r.lat, r.lon]); r.visits.forEach((v) => pts.push([v.lat, v.lon])); });
    if (data.forecast) data.forecast.cells.forEach((c) => pts.push([c[1], c[0]]));
    return pts.length ? L.latLngBounds(pts) : null;
  }

  /* PNG export: Leaflet's own canvas renderer draws every vector layer (preferCanvas);
     we composite those canvases (and any loaded tiles) onto one canvas at their screen
     offsets, draw the permanent labels (cluster counts) that Leaflet keeps in the DOM,
     and add a caption (layer, the filters' values, export time) and the legend with its
     swatches, so that the image says what it shows. Downloaded with canvas.toBlob. */
  function wrap(ctx, line, width) {
    const out = [];
    let cur = "";
    for (const ch of line) {
      if (cur && ctx.measureText(cur + ch).width > width) { out.push(cur); cur = ch.trim() ? ch : ""; } else { cur += ch; }
    }
    if (cur) out.push(cur);
    return out;
  }
  function caption(exportedAt) {
    const parts = [];
    const layer = document.querySelector("input[name=layer-choice]:checked");
    if (layer && layer.parentElement) parts.push(layer.parentElement.textContent.replace(/\s+/g, " ").trim());
    document.querySelectorAll("#map-filters label").forEach((lab) => {
      const field = lab.querySelector("select, input");
      if (!field) return;
      const name = Array.from(lab.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim();
      const value = field.tagName === "SELECT" ? (field.selectedOptions[0] || { textContent: "" }).textContent : field.value;
      parts.push(name + " " + value.trim());
    });
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    parts.push(exportedAt + " " + now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + " " + pad(now.getHours()) + ":" + pad(now.getMinutes()));
    return parts.join(" | ");
  }
  function drawSwatch(ctx, sw, x, y) {
    const cs = getComputedStyle(sw);
    const colours = (cs.backgroundImage.match(/rgba?\([^)]*\)/g) || []);
    if (colours.length > 1) {
      const g = ctx.createLinearGradient(x, 0, x + 14, 0);
      colours.forEach((c, i) => g.addColorStop(i / (colours.length - 1), c));
      ctx.fillStyle = g;
    } else {
      ctx.fillStyle = cs.backgroundColor;
    }
    const h = Math.min(14, parseFloat(cs.height) || 14);
    ctx.fillRect(x, y - h, 14, h);
    if (cs.borderTopStyle !== "none" && parseFloat(cs.borderTopWidth) > 0) {
      ctx.setLineDash(cs.borderTopStyle === "dashed" ? [3, 2] : []);
      ctx.strokeStyle = cs.borderTopColor; ctx.lineWidth = 2;
      ctx.strokeRect(x + 1, y - 13, 12, 12);
      ctx.setLineDash([]);
    }
  }
  function exportPng(map, el, title, legendEl, exportedAt) {
    const size = map.getSize();
    const out = document.createElement("canvas");
    const font = "14px sans-serif";
    let ctx = out.getContext("2d");
    ctx.font = font;
    const width = size.x - 16;
    const head = wrap(ctx, title + " | " + caption(exportedAt), width);
    const items = [];
    legendEl.querySelectorAll(":scope > div:not([hidden]) p").forEach((p) => {
      const textLine = p.textContent.trim();
      if (!textLine) return;
      const sw = p.querySelector("i.swatch");
      wrap(ctx, textLine, width - (sw ? 22 : 0)).forEach((l, i) => items.push({ text: l, swatch: i === 0 ? sw : null, indent: sw ? 22 : 0 }));
    });
    out.width = size.x; out.height = size.y + 20 * (head.length + items.length) + 16;
    ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, out.width, out.height);
    const origin = el.getBoundingClientRect();
    el.querySelectorAll("img.leaflet-tile-loaded, canvas").forEach((c) => {
      const r = c.getBoundingClientRect();
      try { ctx.drawImage(c, r.left - origin.left, r.top - origin.top, r.width, r.height); } catch (e) { /* tainted tile */ }
    });
    ctx.font = "bold 12px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.fillStyle = "#222";
    let labels = 0;
    el.querySelectorAll(".leaflet-tooltip.cluster-label").forEach((t) => {
      if (getComputedStyle(t).opacity === "0") return;  // a removed layer's label fading out
      const r = t.getBoundingClientRect();
      const x = r.left - origin.left + r.width / 2, y = r.top - origin.top + r.height / 2;
      if (x < 0 || y < 0 || x > size.x || y > size.y) return;
      ctx.fillText(t.textContent.trim(), x, y); labels += 1;
    });
    ctx.font = font; ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
    let y = size.y + 4;
    head.forEach((l) => { y += 20; ctx.fillStyle = "#222"; ctx.fillText(l, 8, y); });
    items.forEach((it) => {
      y += 20;
      if (it.swatch) drawSwatch(ctx, it.swatch, 8, y);
      ctx.fillStyle = "#222"; ctx.fillText(it.text, 8 + it.indent, y);
    });
    el.dataset.exportCaption = head.join("");
    el.dataset.exportLabels = String(labels);
    out.toBlob((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "zhian-" + (el.dataset.exportName || "map") + "-" + (el.dataset.layer || "map") + ".png";
      document.body.appendChild(a); a.click(); a.remove();
      el.dataset.exported = String(blob.size);
    }, "image/png");
  }

  function initMaps() {
    const el = document.getElementById("map");
    const script = document.getElementById("insights-data");
    if (!el || !script) return;
    const data = JSON.parse(script.textContent);
    const w = document.getElementById("insights-text").dataset;
    const map = createMap(el);
    const incidentLayers = [
      hexLayer(data.incidents.density, 0, (v) => v + " " + w.count),
      clusterLayer(map, data.incidents.truncated
        ? data.incidents.density.map((c) => [c[0], c[1], "", c[2]])
        : data.incidents.points, w),
    ];
    const inView = data.incidents.truncated ? viewPoints(map, el, data, w) : null;
    if (inView) incidentLayers.push(inView);
    const layers = {
      incidents: L.layerGroup(incidentLayers),
      patrol: hexLayer(data.patrol.cells, 210, (v) => v.toFixed(0) + " " + w.minutes),
      deployment: deploymentLayer(data, w),
    };
    const b = boundsOf(data);
    if (b) map.fitBounds(b, { padding: [20, 20] }); else map.setView([30, 120], 12);
    incidentLayers[1].redraw();
    const legend = document.getElementById("legend");
    const input = document.getElementById("layer-input");
    let current = null;
    function show(name) {
      if (current) map.removeLayer(layers[current]);
      layers[name].addTo(map);
      current = name;
      el.dataset.layer = name;
      input.value = name;
      legend.querySelectorAll("[data-layer]").forEach((d) => { d.hidden = d.dataset.layer !== name; });
      const empty = (name === "incidents" && !data.incidents.count) || (name === "patrol" && !data.patrol.cells.length) || (name === "deployment" && !data.plan && !data.forecast);
      el.dataset.empty = empty ? "true" : "false";
      let note = document.getElementById("layer-empty");
      if (empty && !note) { note = document.createElement("p"); note.id = "layer-empty"; note.className = "empty"; legend.appendChild(note); }
      if (note) { note.textContent = empty ? w.empty : ""; note.hidden = !empty; }
    }
    document.querySelectorAll("input[name=layer-choice]").forEach((r) => r.addEventListener("change", () => show(r.value)));
    show(data.layer);
    const btn = document.getElementById("export-png");
    if (btn) btn.addEventListener("click", () => exportPng(map, el, w.title, legend, w.exportedAt));
  }

  function initPlan() {
    const btn = document.getElementById("print-plan");
    if (btn) btn.addEventListener("click", () => window.print());
    const el = document.getElementById("plan-map");
    const script = document.getElementById("plan-data");
    if (!el || !script) return;
    const data = JSON.parse(script.textContent);
    const map = createMap(el);
    const layer = deploymentLayer({ plan: data, alerts: [] }, { order: el.dataset.order || "#", risk: "", until: "" }).addTo(map);
    const pts = [];
    data.routes.forEach((r) => { pts.push([r.lat, r.lon]); r.visits.forEach((v) => pts.push([v.lat, v.lon])); });
    if (pts.length) map.fitBounds(L.latLngBounds(pts), { padding: [20, 20] }); else map.setView([30, 120], 12);
    el.dataset.routes = String(data.routes.length);
    return layer;
  }

  function initProgress() {
    const el = document.getElementById("forecast-progress");
    if (!el || el.dataset.done === "true") return;
    const url = el.dataset.url;
    const bar = el.querySelector("progress");
    const label = el.querySelector(".label");
    const timer = setInterval(() => {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => r.json())
        .then((fc) => {
          bar.value = fc.progress;
          label.textContent = fc.progress + "%";
          if (fc.status === "done" || fc.status === "failed") { clearInterval(timer); window.location.reload(); }
        })
        .catch(() => clearInterval(timer));
    }, 1500);
  }

  document.addEventListener("DOMContentLoaded", () => { initMaps(); initPlan(); initProgress(); });
  window.ZhianInsights = { text: text };
})();
