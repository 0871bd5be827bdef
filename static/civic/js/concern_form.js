/* File-a-concern map: a click places the marker and fills the coordinate fields. */
(function () {
  "use strict";
  const element = document.getElementById("concern-new-map");
  const lat = document.getElementById("id_latitude");
  const lon = document.getElementById("id_longitude");
  const map = CivicMap.create(element);
  let marker = null;

  function place(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.marker(latlng, { keyboard: false }).addTo(map);
    }
  }

  map.on("click", function (event) {
    place(event.latlng);
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
  });

  function fromFields() {
    const la = parseFloat(lat.value);
    const lo = parseFloat(lon.value);
    if (!isNaN(la) && !isNaN(lo)) place(L.latLng(la, lo));
  }
  lat.addEventListener("change", fromFields);
  lon.addEventListener("change", fromFields);
  fromFields();
})();
