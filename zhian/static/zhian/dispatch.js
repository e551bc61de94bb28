/* 接处警 pages: intake map pick and shortcuts, incident map, live board map, coverage map.
   Builds on ZhianMap (map.js) and Leaflet; no other dependency. */
(function () {
  "use strict";
  const PRIORITY = { 1: "#b3261e", 2: "#e65100", 3: "#1f4e79", 4: "#78909c" };
  const UNIT = {
    available: "#2e7d32", dispatched: "#6a1b9a", en_route: "#f9a825",
    on_scene: "#00897b", transporting: "#ad1457", unavailable: "#9e9e9e",
  };

  /* Keyboard users type coordinates: keep the map and its controls out of the tab order. */
  function quiet(map) {
    const el = map.getContainer();
    el.tabIndex = -1;
    el.querySelectorAll("a").forEach((a) => { a.tabIndex = -1; });
    return map;
  }

  /* The user's stations (or whatever they may see) as a non-interactive backdrop. */
  function scope(map, fit) {
    const el = map.getContainer();
    const base = new URL(el.dataset.geojson, window.location.origin);
    const get = (kind) => {
      const url = new URL(base);
      if (kind) url.searchParams.set("kind", kind);
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : { features: [] }));
    };
    return get("station")
      .then((data) => (data.features && data.features.length ? data : get(null)))
      .then((data) => {
        const layer = L.geoJSON(data, {
          interactive: false,
          style: { color: "#1f4e79", weight: 1.5, opacity: 0.6, fillOpacity: 0.03 },
        }).addTo(map);
        layer.bringToBack();
        el.dataset.scope = String((data.features || []).length);
        if (fit && data.features && data.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
        return layer;
      })
      .catch(() => null);
  }

  function shortcutSubmit(form) {
    form.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
        e.preventDefault();
        form.requestSubmit();
      }
    });
  }

  function intake(form, el, text) {
    shortcutSubmit(form);
    const f = form.elements;
    const map = quiet(ZhianMap.create(el));
    let marker = null;
    const parse = (v) => { const x = parseFloat(String(v).replace(",", ".")); return Number.isFinite(x) ? x : null; };

    function place(latlng, zoom) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: false }).addTo(map);
        marker.on("dragend", () => pick(marker.getLatLng()));
      } else {
        marker.setLatLng(latlng);
      }
      if (zoom && !map.getBounds().contains(latlng)) map.panTo(latlng);
    }
    function pick(latlng) {
      f.lon.value = latlng.lng.toFixed(6);
      f.lat.value = latlng.lat.toFixed(6);
      f.crs.value = "wgs84"; // the map is WGS84
      place(latlng, false);
      el.dataset.picked = f.lon.value + "," + f.lat.value;
    }
    function fromInputs(zoom) {
      const lon = parse(f.lon.value), lat = parse(f.lat.value);
      if (lon === null || lat === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return false;
      place(L.latLng(lat, lon), zoom);
      return true;
    }
    map.on("click", (e) => pick(e.latlng));
    f.lon.addEventListener("change", () => fromInputs(true));
    f.lat.addEventListener("change", () => fromInputs(true));
    const hasPoint = fromInputs(false);
    scope(map, true).then((layer) => {
      if (!hasPoint || !marker) return;
      // Frame the jurisdictions and the typed point together (it may lie outside them).
      const bounds = layer && layer.getLayers().length ? layer.getBounds() : L.latLngBounds([]);
      bounds.extend(marker.getLatLng());
      map.fitBounds(bounds.pad(0.05), { maxZoom: 16 });
    });

    // Priority follows the category's suggestion; the call-taker may override it afterwards.
    const hint = document.getElementById("priority-hint");
    function suggest(apply) {
      const opt = f.category.selectedOptions[0];
      const p = opt && opt.dataset.priority;
      if (!p) { hint.textContent = ""; return; }
      if (apply) f.priority.value = p;
      const label = f.priority.querySelector('option[value="' + p + '"]');
      hint.textContent = text.suggested + (label ? label.textContent : p);
    }
    f.category.addEventListener("change", () => suggest(true));
    suggest(false);
  }

  function dot(latlng, colour, radius, weight) {
    return L.circleMarker(latlng, {
      radius: radius, color: "#fff", weight: weight || 2, fillColor: colour, fillOpacity: 0.95,
    });
  }

  function incident(el, data) {
    const map = quiet(ZhianMap.create(el));
    const points = [];
    (data.units || []).forEach((u) => {
      if (!u.lonlat) return;
      const ll = L.latLng(u.lonlat[1], u.lonlat[0]);
      points.push(ll);
      dot(ll, UNIT[u.status] || "#555", 6).addTo(map)
        .bindTooltip(Zhian.text(u.call_sign + (u.eta_min != null ? " · " + u.eta_min + "′" : "")),
          { permanent: true, direction: "right", className: "unit-label" });
    });
    (data.others || []).forEach((o) => {
      const ll = L.latLng(o.lonlat[1], o.lonlat[0]);
      points.push(ll);
      dot(ll, "#9e9e9e", 8).addTo(map).bindTooltip(Zhian.text(o.number));
    });
    if (data.incident && data.incident.lonlat) {
      const ll = L.latLng(data.incident.lonlat[1], data.incident.lonlat[0]);
      points.unshift(ll);
      L.marker(ll, { keyboard: false }).addTo(map).bindTooltip(Zhian.text(data.incident.number));
    }
    if (points.length > 1) map.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 17 });
    else if (points.length) map.setView(points[0], 16);
    el.dataset.units = String((data.units || []).length);
    scope(map, !points.length);
  }

  /* The live board. The page polls with the change number it shows (#board-poll's
     data-token): 204 when nothing changed; otherwise only the changed rows arrive in the
     hidden #board-inbox and are moved into place here (or, when the server cannot tell
     what changed, the whole live part, which replaces #board-live). */
  function board(el) {
    const map = quiet(ZhianMap.create(el));
    const layer = L.layerGroup().addTo(map);
    const poll = document.getElementById("board-poll");
    const model = { incidents: new Map(), units: new Map() };
    let framed = false;

    function load(node) {
      if (!node) return;
      const data = JSON.parse(node.textContent);
      model.incidents.clear();
      model.units.clear();
      data.incidents.forEach((i) => model.incidents.set(i.id, i));
      data.units.forEach((u) => model.units.set(u.id, u));
    }
    function draw() {
      layer.clearLayers();
      const points = [];
      let placed = 0;
      model.units.forEach((u) => {
        if (!u.lonlat) return;
        const ll = L.latLng(u.lonlat[1], u.lonlat[0]);
        points.push(ll);
        placed += 1;
        dot(ll, UNIT[u.status] || "#555", 6).addTo(layer).bindTooltip(Zhian.text(u.call_sign + " · " + u.status_label));
      });
      model.incidents.forEach((i) => {
        if (!i.lonlat) return;
        const ll = L.latLng(i.lonlat[1], i.lonlat[0]);
        points.push(ll);
        dot(ll, PRIORITY[i.priority] || "#333", 9, 3).addTo(layer)
          .bindTooltip(Zhian.text(i.number + " · " + i.category))
          .on("click", () => { window.location = i.url; });
      });
      el.dataset.incidents = String(model.incidents.size);
      el.dataset.units = String(placed);
      if (!framed && points.length && !el.dataset.scope) {
        map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 16 });
      }
    }
    const urgency = (a, b) => (Number(a.dataset.priority) - Number(b.dataset.priority))
      || (Date.parse(a.dataset.receivedAt) - Date.parse(b.dataset.receivedAt));
    // Look rows up inside the board: the inbox holds a copy with the same id.
    const onBoard = (id) => document.querySelector("#board-live #" + CSS.escape(id));
    function placeRow(tr) {
      const old = onBoard(tr.id);
      if (old) old.remove();
      const body = document.getElementById("board-rows");
      const next = Array.from(body.children).find((r) => urgency(tr, r) < 0);
      body.insertBefore(tr, next || null);
    }
    function placeUnit(li) {
      const old = onBoard(li.id);
      if (old) old.remove();
      const list = document.getElementById("units-" + li.dataset.unitStatus);
      if (!list) return;
      const next = Array.from(list.children).find((x) => li.dataset.unit.localeCompare(x.dataset.unit) < 0);
      list.insertBefore(li, next || null);
    }
    function recount() {
      const rows = document.querySelectorAll("#board-rows > tr").length;
      const count = document.getElementById("incident-count");
      if (count) count.textContent = count.textContent.replace(/\d+/, String(rows));
      const table = document.querySelector("#board-live table.board-incidents");
      if (table) table.hidden = rows === 0;
      const empty = document.getElementById("board-empty");
      if (empty) empty.hidden = rows > 0;
      document.querySelectorAll("#board-live .unit-group").forEach((g) => {
        g.querySelector(".count").textContent = String(g.querySelectorAll("li").length);
      });
    }
    function apply(inbox) {
      const full = inbox.querySelector("#board-live");
      if (full) {
        load(full.querySelector("#board-data"));
        document.querySelector(".board-lists > #board-live").replaceWith(full);
      } else {
        const delta = inbox.querySelector("#board-delta");
        if (!delta) return;
        delta.querySelectorAll("tr[id]").forEach(placeRow);
        (delta.dataset.goneIncidents || "").split(" ").filter(Boolean).forEach((id) => {
          const row = onBoard("inc-" + id);
          if (row) row.remove();
        });
        delta.querySelectorAll("li[id]").forEach(placeUnit);
        const d = JSON.parse(delta.querySelector("#board-delta-data").textContent);
        d.incidents.forEach((i) => model.incidents.set(i.id, i));
        d.gone_incidents.forEach((id) => model.incidents.delete(id));
        d.units.forEach((u) => model.units.set(u.id, u));
      }
      inbox.replaceChildren();
      recount();
      draw();
    }
    if (poll) {
      document.body.addEventListener("htmx:configRequest", (e) => {
        if (e.detail.elt !== poll) return;
        e.detail.parameters.token = poll.dataset.token;
        e.detail.parameters.limit = poll.dataset.limit;
      });
      document.body.addEventListener("htmx:afterSwap", (e) => {
        if (e.detail.target && e.detail.target.id === "board-inbox") apply(e.detail.target);
      });
      document.body.addEventListener("htmx:afterRequest", (e) => {
        if (e.detail.elt !== poll || !e.detail.xhr) return;
        const token = e.detail.xhr.getResponseHeader("X-Board-Token");
        if (token) poll.dataset.token = token;
      });
    }
    load(document.getElementById("board-data"));
    scope(map, true).then((l) => { framed = !!(l && l.getLayers().length); draw(); });
    draw();
    // Ages tick on the client: the server only sends rows that changed.
    const minutes = (iso) => Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    window.setInterval(() => {
      document.querySelectorAll("[data-received]").forEach((td) => {
        td.textContent = td.textContent.replace(/^\d+/, String(minutes(td.dataset.received)));
      });
    }, 15000);
  }

  function coverage(el, data, text) {
    const map = quiet(ZhianMap.create(el));
    let frame = null;
    if (data.boundary) frame = ZhianMap.showBoundary(map, data.boundary);
    if (data.segments) {
      const feats = data.segments.features.slice();
      // 5 min below 3 min below 1 min.
      for (let i = feats.length - 1; i >= 0; i--) {
        L.geoJSON(feats[i], {
          interactive: false,
          style: { color: data.colours[i % data.colours.length], weight: i === 0 ? 5 : 4, opacity: 0.9 },
        }).addTo(map);
      }
      el.dataset.segments = String(feats.length);
    }
    (data.staging || []).forEach((s) => {
      const ll = L.latLng(s.lonlat[1], s.lonlat[0]);
      L.marker(ll, { keyboard: false, title: text.staging + " " + s.n }).addTo(map)
        .bindTooltip(Zhian.text(text.staging + " " + s.n + " · " + text.gain + " " + s.gain.toFixed(1) + "%"),
          { permanent: true, direction: "top", offset: [0, -30], className: "staging-label" });
    });
    el.dataset.staging = String((data.staging || []).length);
    scope(map, !frame);
  }

  // Each page's map names its initialiser (data-init) and its data (data-json): see site.js.
  Zhian.register("dispatch-intake", (el) => {
    intake(document.getElementById(el.dataset.form), el, { suggested: el.dataset.textSuggested || "" });
  });
  Zhian.register("dispatch-incident", (el, data) => incident(el, data || {}));
  Zhian.register("dispatch-board", (el) => board(el));
  Zhian.register("dispatch-coverage", (el, data) => coverage(el, data || {}, {
    minutes: el.dataset.textMinutes || "", gain: el.dataset.textGain || "", staging: el.dataset.textStaging || "",
  }));
  /* Live lists ([data-live]: the incident timeline, the unit list) poll with the change
     number they show (data-token), the highest entry id and how many entries they hold,
     or the ids of their rows; the server answers 204 when nothing changed, otherwise only
     the changed entries. The new number comes back in X-Board-Token. */
  document.addEventListener("htmx:configRequest", (e) => {
    const elt = e.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-live")) return;
    const ids = Array.from(elt.querySelectorAll("[data-id]"), (x) => Number(x.dataset.id));
    e.detail.parameters.token = elt.dataset.token || "";
    e.detail.parameters.after = String(ids.length ? Math.max.apply(null, ids) : 0);
    e.detail.parameters.count = String(ids.length);
    e.detail.parameters.ids = ids.join(",");
    if (elt.dataset.path) e.detail.parameters.path = elt.dataset.path;
  });
  document.addEventListener("htmx:afterRequest", (e) => {
    const elt = e.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-live") || !e.detail.xhr) return;
    const token = e.detail.xhr.getResponseHeader("X-Board-Token");
    if (token && e.detail.successful) elt.dataset.token = token;
  });

  window.ZhianDispatch = { intake: intake, incident: incident, board: board, coverage: coverage };
})();
