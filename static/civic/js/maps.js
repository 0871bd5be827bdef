/* Shared map set-up: offline base layer of area outlines, optional tiles. */
(function () {
  "use strict";

  async function fetchAll(url) {
    // Follows the API's `next` links so every feature is drawn.
    const features = [];
    let next = url;
    while (next) {
      const response = await fetch(next, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const page = await response.json();
      features.push(...(page.features || []));
      next = page.next || null;
    }
    return { type: "FeatureCollection", features: features };
  }

  function create(element) {
    const map = L.map(element, { zoomControl: true, zoomSnap: 0.25 }).setView([52.528, 6.06], 14);
    const tiles = element.dataset.tilesUrl;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    }
    const areasUrl = element.dataset.areasUrl;
    if (areasUrl) {
      fetchAll(areasUrl + "?kind=neighbourhood&page_size=500").then(function (areas) {
        const layer = L.geoJSON(areas, {
          style: { color: "#4b6584", weight: 1, fillColor: "#d1d8e0", fillOpacity: 0.35 },
          onEachFeature: function (feature, lyr) {
            // Tooltips take HTML: pass a text node so an area name is never markup.
            lyr.bindTooltip(document.createTextNode(feature.properties.name), { sticky: true });
          },
        }).addTo(map);
        layer.bringToBack();
        if (!element.dataset.keepView && layer.getBounds().isValid()) {
          map.fitBounds(layer.getBounds());
        }
      });
    }
    return map;
  }

  window.CivicMap = { create: create, fetchAll: fetchAll };
})();
