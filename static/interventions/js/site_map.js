/* A proposal's site on its page: the geometry from a JSON script element, its title as text. */
(function () {
  "use strict";
  const element = document.getElementById("intervention-map");
  const data = JSON.parse(document.getElementById("intervention-site").textContent);
  if (!element || !data.geometry) return;
  const map = CivicMap.create(element);
  const layer = L.geoJSON(JSON.parse(data.geometry), {
    style: { color: "#2b8a3e", weight: 2, fillOpacity: 0.3 },
  }).addTo(map);
  // The title is whatever the proposer typed: a text node, never HTML.
  layer.bindTooltip(CivicMap.textNode(data.title));
  layer.bindPopup(CivicMap.textNode(data.title));
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17 });
})();
