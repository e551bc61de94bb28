// 便民服务 portal: "use my location" fills the optional coordinates (WGS84 from the
// browser's Geolocation API). Without JS or permission the address alone is enough.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  if (!button || !lon || !lat || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.busy || "…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lon.value = pos.coords.longitude.toFixed(6);
        lat.value = pos.coords.latitude.toFixed(6);
        status.textContent = "✓ " + lat.value + ", " + lon.value;
      },
      function (err) {
        status.textContent = err.message;
      },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();
