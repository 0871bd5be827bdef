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

  // Sensors: a square over each public 100 m cell, coloured by night warmth.
  function nightColour(anomaly) {
    if (anomaly === null || anomaly === undefined) return "#adb5bd";
    const t = Math.max(-1, Math.min(1, anomaly / 1.5));
    return t >= 0
      ? "rgb(255," + Math.round(255 * (1 - t)) + "," + Math.round(255 * (1 - t)) + ")"
      : "rgb(" + Math.round(255 * (1 + t)) + "," + Math.round(255 * (1 + t)) + ",255)";
  }
  const sensorLayer = L.layerGroup().addTo(map);
  const concernLayer = L.layerGroup().addTo(map);
  L.control
    .layers(null, {
      [element.dataset.concernsLabel]: concernLayer,
      [element.dataset.sensorsLabel]: sensorLayer,
    })
    .addTo(map);
  CivicMap.fetchAll(element.dataset.sensorsUrl + "?page_size=1000").then(function (data) {
    L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        // 100 m cell: 0.0009° of latitude, 0.00147° of longitude at 52.5° N.
        const bounds = [
          [latlng.lat - 0.00045, latlng.lng - 0.000735],
          [latlng.lat + 0.00045, latlng.lng + 0.000735],
        ];
        return L.rectangle(bounds, {
          color: "#333", weight: 1, fillOpacity: 0.75,
          fillColor: nightColour(feature.properties.night_anomaly),
        });
      },
      onEachFeature: function (feature, layer) {
        const p = feature.properties;
        const night = p.night_anomaly === null ? "–" : p.night_anomaly.toFixed(1) + " °C";
        layer.bindTooltip(document.createTextNode((p.name || "") + ": " + night));
      },
    }).addTo(sensorLayer);
  });

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
    }).addTo(concernLayer);
    counter.textContent = counter.dataset.template
      ? counter.dataset.template.replace("%s", data.features.length)
      : String(data.features.length);
  });
})();
