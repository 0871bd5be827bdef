/* A proposal's site on its page: the geometry from a JSON script element, its title as text. */
(function () {
  "use strict";
  const element = document.getElementById("intervention-map");
  const source = document.getElementById("intervention-site");
  if (!element || !source) return;
  const data = JSON.parse(source.textContent);
  if (!data.geometry) return;
  const map = CivicMap.create(element);
  // A pane of its own, above the neighbourhood outlines.
  map.createPane("sites").style.zIndex = 450;
  const style = { color: "#2b8a3e", weight: 2, fillOpacity: 0.3, pane: "sites" };
  const layer = L.geoJSON(JSON.parse(data.geometry), {
    style: style,
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, Object.assign({ radius: 9 }, style));
    },
  }).addTo(map);
  // The title is whatever the proposer typed: a text node, never HTML.
  layer.bindTooltip(CivicMap.textNode(data.title));
  layer.bindPopup(CivicMap.textNode(data.title));
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17 });
})();
