/* The public map: published concerns coloured by theme. */
(function () {
  "use strict";
  const element = document.getElementById("concern-map");
  const themes = JSON.parse(document.getElementById("themes-data").textContent);
  const map = CivicMap.create(element);
  const counter = document.getElementById("concern-count");

  function escapeText(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  CivicMap.fetchAll(element.dataset.concernsUrl + "?status=published&status=linked&status=closed&page_size=1000").then(function (data) {
    L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        const theme = themes[feature.properties.theme] || { colour: "#555", name: "" };
        return L.circleMarker(latlng, {
          radius: 7, color: "#222", weight: 1, fillColor: theme.colour, fillOpacity: 0.85,
        });
      },
      onEachFeature: function (feature, layer) {
        const p = feature.properties;
        const theme = themes[p.theme] || { name: p.theme };
        layer.bindPopup(
          "<strong>" + escapeText(theme.name) + "</strong><br>" + escapeText(p.description)
        );
      },
    }).addTo(map);
    counter.textContent = counter.dataset.template
      ? counter.dataset.template.replace("%s", data.features.length)
      : String(data.features.length);
  });
})();
