/* The public map: published concerns coloured by theme, sensor squares by warmth or wetness. */
(function () {
  "use strict";
  const element = document.getElementById("concern-map");
  const themes = JSON.parse(document.getElementById("themes-data").textContent);
  const map = CivicMap.create(element);
  const counter = document.getElementById("concern-count");

  // Numbers in the page's language (a decimal comma in Dutch).
  const lang = document.documentElement.lang || undefined;
  function formatNumber(value, digits) {
    return value.toLocaleString(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  // Sensors: a square over each public 100 m cell, coloured by night warmth or by wetness.
  // The legends in map.html show these colours; keep them in step.
  const NO_DATA = "#adb5bd";
  function nightColour(anomaly) {
    if (anomaly === null || anomaly === undefined) return NO_DATA;
    const t = Math.max(-1, Math.min(1, anomaly / 1.5));
    return t >= 0
      ? "rgb(255," + Math.round(255 * (1 - t)) + "," + Math.round(255 * (1 - t)) + ")"
      : "rgb(" + Math.round(255 * (1 + t)) + "," + Math.round(255 * (1 + t)) + ",255)";
  }
  function wetColour(hours) {
    // null: the sensor does not measure wet feet. 0 h pale blue, 24 h or more dark blue.
    if (hours === null || hours === undefined) return NO_DATA;
    const t = Math.min(1, hours / 24);
    const mix = function (from, to) { return Math.round(from + (to - from) * t); };
    return "rgb(" + mix(239, 8) + "," + mix(243, 81) + "," + mix(255, 156) + ")";
  }
  function nightLabel(p) {
    return p.night_anomaly === null || p.night_anomaly === undefined
      ? "–"
      : (p.night_anomaly >= 0.05 ? "+" : "") + formatNumber(p.night_anomaly, 1) + " °C";
  }
  function wetLabel(p) {
    const data = element.dataset;
    const wet = p.wet_feet_hours === null || p.wet_feet_hours === undefined
      ? data.noFiguresLabel
      : formatNumber(p.wet_feet_hours, 0) + " h";
    const soil = p.soil_moisture === null || p.soil_moisture === undefined
      ? data.noFiguresLabel
      : formatNumber(p.soil_moisture, 0) + " %";
    return data.wetFeetLabel + ": " + wet + "; " + data.soilMoistureLabel + ": " + soil;
  }
  const COLOURINGS = {
    heat: { colour: function (p) { return nightColour(p.night_anomaly); }, label: nightLabel },
    wet: { colour: function (p) { return wetColour(p.wet_feet_hours); }, label: wetLabel },
  };

  // Own panes keep the order fixed whichever layer is switched on last:
  // area outlines (overlay pane) under sensor squares under concerns.
  map.createPane("sensors").style.zIndex = 410;
  map.createPane("concerns").style.zIndex = 420;
  const sensorLayers = { heat: L.layerGroup(), wet: L.layerGroup() };
  const noSensors = L.layerGroup();
  const concernLayer = L.layerGroup().addTo(map);
  sensorLayers.heat.addTo(map);
  // Layers apps add (their public features, as JSON data in the page): on by default.
  const added = CivicMap.drawLayers(
    map, JSON.parse(document.getElementById("map-layers-data").textContent)
  );
  Object.keys(added).forEach(function (label) { added[label].addTo(map); });
  // The colourings are base layers: Leaflet draws them as radio buttons, so
  // exactly one of heat, wetness or none is on.
  L.control
    .layers(
      CivicMap.layerNames({
        [element.dataset.sensorsHeatLabel]: sensorLayers.heat,
        [element.dataset.sensorsWetLabel]: sensorLayers.wet,
        [element.dataset.sensorsOffLabel]: noSensors,
      }),
      CivicMap.layerNames(Object.assign({ [element.dataset.concernsLabel]: concernLayer }, added))
    )
    .addTo(map);
  map.on("baselayerchange", function (event) {
    Object.keys(sensorLayers).forEach(function (name) {
      const legend = document.getElementById("sensor-legend-" + name);
      if (legend) legend.hidden = event.layer !== sensorLayers[name];
    });
  });

  // The squares describe the same period as the rest of the page. No app registered
  // a map layer: no squares.
  const period = element.dataset.period ? "&period=" + encodeURIComponent(element.dataset.period) : "";
  const squares = element.dataset.sensorsUrl
    ? CivicMap.fetchAll(element.dataset.sensorsUrl + "?page_size=1000" + period)
    : Promise.resolve({ type: "FeatureCollection", features: [] });
  squares.then(function (data) {
    Object.keys(COLOURINGS).forEach(function (name) {
      const colouring = COLOURINGS[name];
      L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          // 100 m cell: 0.0009° of latitude, 0.00147° of longitude at 52.5° N.
          const bounds = [
            [latlng.lat - 0.00045, latlng.lng - 0.000735],
            [latlng.lat + 0.00045, latlng.lng + 0.000735],
          ];
          return L.rectangle(bounds, {
            pane: "sensors", color: "#333", weight: 1, fillOpacity: 0.75,
            fillColor: colouring.colour(feature.properties),
          });
        },
        onEachFeature: function (feature, layer) {
          const p = feature.properties;
          layer.bindTooltip(CivicMap.textNode((p.name || "") + ": " + colouring.label(p)));
        },
      }).addTo(sensorLayers[name]);
    });
  });

  CivicMap.fetchAll(element.dataset.concernsUrl + "?status=published&status=linked&status=closed&page_size=1000").then(function (data) {
    L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        const theme = themes[feature.properties.theme] || { colour: "#555", name: "" };
        return L.circleMarker(latlng, {
          pane: "concerns", radius: 7, color: "#222", weight: 1, fillColor: theme.colour, fillOpacity: 0.85,
        });
      },
      onEachFeature: function (feature, layer) {
        const p = feature.properties;
        const theme = themes[p.theme] || { name: p.theme };
        // Built when opened, as text: a description is never markup.
        layer.bindPopup(function () {
          return CivicMap.textBlock(theme.name, p.description);
        });
      },
    }).addTo(concernLayer);
    counter.textContent = counter.dataset.template
      ? counter.dataset.template.replace("%s", data.features.length)
      : String(data.features.length);
  });
})();
