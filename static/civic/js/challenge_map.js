/* A challenge's page: its area and its public concerns; every label is text, never markup. */
(function () {
  "use strict";
  const element = document.getElementById("challenge-map");
  const data = JSON.parse(document.getElementById("challenge-map-data").textContent);
  const map = CivicMap.create(element);
  map.createPane("concerns").style.zIndex = 420;
  const shown = L.featureGroup().addTo(map);
  if (data.geometry) {
    L.geoJSON(JSON.parse(data.geometry), {
      interactive: false,
      style: { color: "#a4161a", weight: 3, fillOpacity: 0.15 },
    }).addTo(shown);
  }
  data.concerns.forEach(function (c) {
    const marker = L.circleMarker([c.lat, c.lon], {
      pane: "concerns", radius: 7, color: "#222", weight: 1, fillColor: c.colour, fillOpacity: 0.85,
    }).addTo(shown);
    // Built when opened, as text: a description is never markup.
    marker.bindPopup(function () {
      return CivicMap.textBlock("#" + c.id + " · " + c.theme, c.description);
    });
  });
  // What apps add for this challenge (its interventions' sites, ...), with text popups.
  const added = CivicMap.drawLayers(map, data.layers);
  Object.keys(added).forEach(function (label) { added[label].addTo(shown); });
  if (shown.getLayers().length && shown.getBounds().isValid()) {
    map.fitBounds(shown.getBounds(), { maxZoom: 17, padding: [20, 20] });
  }
})();
