/* Survey results map: neighbourhoods coloured by responses per 1,000 inhabitants, map answers on top.
 * Colours and tooltips come from the page (json_script), so the map and its legend agree. */
(function () {
  "use strict";
  const element = document.getElementById("results-map");
  if (!element) return;
  const figures = JSON.parse(document.getElementById("neighbourhood-figures").textContent);
  const questions = JSON.parse(document.getElementById("map-questions").textContent);
  // No data-areas-url: this script draws the outlines itself, coloured.
  const map = CivicMap.create(element);
  const bounds = (element.dataset.bounds || "").split(",").map(Number);
  if (bounds.length === 4 && bounds.every(isFinite)) {
    map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]]);
  }

  // Answers above the neighbourhoods, whichever layer is switched on last.
  map.createPane("answers").style.zIndex = 420;
  const choropleth = L.layerGroup().addTo(map);
  const overlays = { [element.dataset.choroplethLabel]: choropleth };
  const answerLayers = {};
  Object.keys(questions).forEach(function (id) {
    answerLayers[id] = L.layerGroup().addTo(map);
    overlays[questions[id].text] = answerLayers[id];
  });
  // A question's text is an officer's text: the layer control gets it escaped.
  // Open beside a wide map; folded on a phone, where it would cover the zoom buttons
  // (the legend below the map names the same layers).
  const narrow = window.matchMedia("(max-width: 600px)").matches;
  L.control.layers(null, CivicMap.layerNames(overlays), { collapsed: narrow }).addTo(map);

  CivicMap.fetchAll(element.dataset.neighbourhoodsUrl + "?kind=neighbourhood&page_size=500").then(
    function (areas) {
      L.geoJSON(areas, {
        style: function (feature) {
          const figure = figures[feature.properties.code];
          // Neighbourhoods outside the survey: outline only.
          return figure
            ? { color: "#333", weight: 1, fillColor: figure.colour, fillOpacity: 0.75 }
            : { color: "#4b6584", weight: 1, fillOpacity: 0 };
        },
        onEachFeature: function (feature, layer) {
          const figure = figures[feature.properties.code];
          layer.bindTooltip(CivicMap.textNode(figure ? figure.label : feature.properties.name), {
            sticky: true,
          });
        },
      }).addTo(choropleth);
    }
  );

  if (element.dataset.answersUrl) {
    CivicMap.fetchAll(element.dataset.answersUrl).then(function (data) {
      data.features.forEach(function (feature) {
        const question = questions[String(feature.properties.question)];
        if (!question) return;
        L.geoJSON(feature, {
          pane: "answers",
          style: { color: question.colour, weight: 2, fillColor: question.colour, fillOpacity: 0.2 },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {
              pane: "answers", radius: 6, color: "#222", weight: 1,
              fillColor: question.colour, fillOpacity: 0.85,
            });
          },
          onEachFeature: function (f, layer) {
            layer.bindTooltip(CivicMap.textNode(question.text));
          },
        }).addTo(answerLayers[String(feature.properties.question)]);
      });
    });
  }
})();
