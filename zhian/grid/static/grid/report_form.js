/* The phone-first grid report form (网格事件上报).

The draft lives in localStorage, so a reload or a lost connection keeps what was typed and
the resized photos. Its Idempotency-Key is made when the draft is made. Pressing 提交 freezes
the exact JSON body into the draft and sends it; if the network is down the draft waits and
is sent when the browser says it is back online (or on the next load), with the same key and
the same bytes, so the server stores one report whatever happens. Text from the server goes
into the DOM only as text. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("grid-config").textContent);
  const KEY = "zhian.grid.draft." + config.user;
  const MAX_EDGE = 1280;
  const MAX_PHOTOS = 6;
  const form = document.getElementById("report-form");
  const el = (id) => document.getElementById(id);
  const statusLine = el("draft-status");
  const errorLine = el("form-error");
  let draft = load();
  let sending = false;
  let marker = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || null; } catch (e) { return null; }
  }
  function save() {
    if (!draft) return;
    try {
      localStorage.setItem(KEY, JSON.stringify(draft));
    } catch (e) {
      say("草稿过大，无法保存在本机（请减少照片）", true);
    }
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  function ensureDraft() {
    if (!draft) draft = { key: newKey(), created: new Date().toISOString(), fields: {}, photos: [], body: null };
    return draft;
  }
  function say(text, isError) {
    if (isError) { errorLine.textContent = text; errorLine.hidden = false; }
    else { statusLine.textContent = text; }
  }
  function clearError() { errorLine.textContent = ""; errorLine.hidden = true; }

  function fields() {
    const type = form.querySelector("input[name=report_type]:checked");
    return {
      report_type: type ? type.value : "",
      description: el("id_description").value,
      address: el("id_address").value,
      lon: el("id_lon").value,
      lat: el("id_lat").value,
      crs: el("id_crs").value,
    };
  }
  function restore() {
    if (!draft) return;
    const f = draft.fields || {};
    if (f.report_type) {
      const radio = form.querySelector("input[name=report_type][value='" + CSS.escape(f.report_type) + "']");
      if (radio) radio.checked = true;
    }
    el("id_description").value = f.description || "";
    el("id_address").value = f.address || "";
    el("id_lon").value = f.lon || "";
    el("id_lat").value = f.lat || "";
    el("id_crs").value = f.crs || "wgs84";
    renderThumbs();
    placeMarker();
    if (draft.body) say("草稿待发送：联网后自动提交");
    else say("已恢复未提交的草稿（" + new Date(draft.created).toLocaleString() + "）");
  }
  function onEdit() {
    if (draft && draft.body) {
      // Changing a frozen draft makes a new request: it needs its own key.
      draft.body = null;
      draft.key = newKey();
    }
    ensureDraft().fields = fields();
    save();
    placeMarker();
    say("草稿已保存在本机");
  }

  // --- Photos: resized on a canvas, kept as JPEG data URLs in the draft.
  function resize(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => {
        const scale = Math.min(1, MAX_EDGE / Math.max(img.naturalWidth, img.naturalHeight));
        const canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      };
      img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      img.src = url;
    });
  }
  async function addPhotos(files) {
    clearError();
    const d = ensureDraft();
    for (const file of files) {
      if (d.photos.length >= MAX_PHOTOS) { say("照片最多 " + MAX_PHOTOS + " 张", true); break; }
      try {
        const data = await resize(file);
        d.photos.push({ name: (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg", data: data });
      } catch (e) {
        say("无法读取照片：" + (file.name || ""), true);
      }
    }
    onEdit();
    renderThumbs();
  }
  function renderThumbs() {
    const box = el("thumbs");
    box.replaceChildren();
    (draft ? draft.photos : []).forEach((p, i) => {
      const fig = document.createElement("figure");
      const img = document.createElement("img");
      img.src = p.data;
      img.alt = "照片 " + (i + 1);
      const del = document.createElement("button");
      del.type = "button";
      del.textContent = "×";
      del.setAttribute("aria-label", "删除照片 " + (i + 1));
      del.addEventListener("click", () => { draft.photos.splice(i, 1); onEdit(); renderThumbs(); });
      fig.append(img, del);
      box.append(fig);
    });
    box.dataset.count = String(draft ? draft.photos.length : 0);
  }

  // --- Location: the phone's position or a tap on the map (both WGS84).
  let map = null;
  function setPoint(lon, lat) {
    el("id_lon").value = lon.toFixed(6);
    el("id_lat").value = lat.toFixed(6);
    el("id_crs").value = "wgs84";
    onEdit();
  }
  function placeMarker() {
    if (!map) return;
    const lon = parseFloat(el("id_lon").value), lat = parseFloat(el("id_lat").value);
    if (!isFinite(lon) || !isFinite(lat) || el("id_crs").value !== "wgs84") return;
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.circleMarker([lat, lon], { radius: 9, color: "#c62828", weight: 3 }).addTo(map);
    if (map.getZoom() < 14) map.setView([lat, lon], 16);
  }
  function initMap() {
    if (!window.L || !window.ZhianMap) return;
    map = window.ZhianMap.create(el("map"));
    map.on("click", (e) => setPoint(e.latlng.lng, e.latlng.lat));
    fetch(config.geojson + "?kind=grid", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data || !data.features.length) return;
        const layer = L.geoJSON(data, { style: { color: "#8d6e63", weight: 1, fillOpacity: 0.05 } }).addTo(map);
        if (!marker) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      })
      .catch(() => {});
    placeMarker();
  }
  el("use-position").addEventListener("click", () => {
    const line = el("position-status");
    if (!navigator.geolocation) { line.textContent = "此设备不支持定位，请在地图上点选"; return; }
    line.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setPoint(pos.coords.longitude, pos.coords.latitude);
        line.textContent = "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
        if (map) map.setView([pos.coords.latitude, pos.coords.longitude], 16);
      },
      () => { line.textContent = "无法定位，请在地图上点选"; },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });

  // --- Sending: the frozen body, the draft's key, once.
  function csrf() {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function freeze() {
    const f = fields();
    const body = {
      report_type: f.report_type,
      description: f.description.trim(),
      address: f.address.trim(),
      lon: Number(f.lon),
      lat: Number(f.lat),
      crs: f.crs,
      photos: draft.photos,
    };
    draft.body = JSON.stringify(body);
    save();
  }
  function problemText(data) {
    if (!data) return "提交失败";
    let text = data.detail || data.title || "提交失败";
    if (data.errors && data.errors.length) {
      text += "：" + data.errors.map((e) => (e.loc || []).slice(-1)[0] + " " + e.msg).join("；");
    }
    return text;
  }
  async function send() {
    if (sending || !draft || !draft.body) return;
    if (!navigator.onLine) { say("当前无网络：草稿已保存，联网后自动提交"); return; }
    sending = true;
    el("submit").disabled = true;
    say("正在提交…");
    let response;
    try {
      response = await fetch(config.api, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "Idempotency-Key": draft.key,
          "X-CSRFToken": csrf(),
        },
        body: draft.body,
      });
    } catch (e) {
      sending = false;
      el("submit").disabled = false;
      say("网络中断：草稿已保存，联网后自动提交");
      return;
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    sending = false;
    el("submit").disabled = false;
    if (response.status === 201 && data) {
      localStorage.removeItem(KEY);
      draft = null;
      window.location.assign(config.detail.replace(/0\/$/, data.id + "/"));
      return;
    }
    if (response.status >= 500 || response.status === 409) {
      say("服务器暂时无法处理，稍后自动重试");
      setTimeout(send, 15000);
      return;
    }
    // Refused (4xx): nothing was stored; the user corrects it and sends again.
    draft.body = null;
    save();
    say(problemText(data), true);
    statusLine.textContent = "";
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearError();
    const f = fields();
    const problems = [];
    if (!f.description.trim()) problems.push("请描述现场情况");
    if (!isFinite(parseFloat(f.lon)) || !isFinite(parseFloat(f.lat))) problems.push("请定位或在地图上点选位置");
    if (problems.length) { say(problems.join("；"), true); return; }
    ensureDraft().fields = f;
    if (!draft.body) freeze();
    send();
  });
  el("discard").addEventListener("click", () => {
    localStorage.removeItem(KEY);
    draft = null;
    form.reset();
    renderThumbs();
    clearError();
    say("草稿已清除");
  });
  form.addEventListener("input", (e) => { if (e.target.id !== "id_photos") onEdit(); });
  form.addEventListener("change", (e) => {
    if (e.target.id === "id_photos") { addPhotos(Array.from(e.target.files)); e.target.value = ""; }
  });
  window.addEventListener("online", send);
  window.addEventListener("offline", () => { if (draft && draft.body) say("当前无网络：草稿已保存，联网后自动提交"); });

  initMap();
  restore();
  form.dataset.ready = "true";
  if (draft && draft.body) send();
})();
