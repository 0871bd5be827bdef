/* Survey form: map questions fill hidden GeoJSON inputs; ranking positions stay unique.
 *
 * Map point: a click places (or moves) the point. Map area: Leaflet.draw's polygon
 * tool, driven by our own buttons so it also works from the keyboard ("add a corner
 * at the centre of the map"). Every text comes from data- attributes (translated).
 */
(function () {
  "use strict";

  const areaScript = document.getElementById("survey-area");
  const surveyArea = areaScript ? JSON.parse(areaScript.textContent) : null;
  const DIGITS = 6; // about 10 cm: more is noise

  function round(value) {
    return Number(value.toFixed(DIGITS));
  }

  function parsed(input) {
    if (!input.value) return null;
    try {
      return JSON.parse(input.value);
    } catch (error) {
      return null;
    }
  }

  function baseMap(element) {
    const map = CivicMap.create(element);
    if (surveyArea) {
      const outline = L.geoJSON(surveyArea, {
        interactive: false,
        style: { color: "#0b5cad", weight: 3, fill: false },
      }).addTo(map);
      if (outline.getBounds().isValid()) map.fitBounds(outline.getBounds());
    }
    return map;
  }

  function buttons(element) {
    const found = {};
    document.querySelectorAll('[data-map="' + element.id + '"]').forEach(function (button) {
      found[button.dataset.mapAction] = button;
    });
    return found;
  }

  function setupPoint(element) {
    const input = document.getElementById(element.dataset.input);
    const status = document.getElementById(element.dataset.status);
    const map = baseMap(element);
    const tools = buttons(element);
    let marker = null;

    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { keyboard: false }).addTo(map);
      }
      input.value = JSON.stringify({
        type: "Point",
        coordinates: [round(latlng.lng), round(latlng.lat)],
      });
      status.textContent = element.dataset.placed;
    }

    function clear() {
      if (marker) map.removeLayer(marker);
      marker = null;
      input.value = "";
      status.textContent = element.dataset.empty;
    }

    map.on("click", function (event) {
      place(event.latlng);
    });
    tools.centre.addEventListener("click", function () {
      place(map.getCenter());
    });
    tools.clear.addEventListener("click", clear);

    const given = parsed(input);
    if (given && given.type === "Point" && Array.isArray(given.coordinates)) {
      place(L.latLng(given.coordinates[1], given.coordinates[0]));
    }
  }

  function setupArea(element) {
    const input = document.getElementById(element.dataset.input);
    const status = document.getElementById(element.dataset.status);
    const map = baseMap(element);
    const tools = buttons(element);
    const style = { color: "#a4161a", weight: 3, fillOpacity: 0.2 };
    const drawn = L.featureGroup().addTo(map);

    // Leaflet.draw puts its tooltip texts in as HTML.
    const escapeHtml = CivicMap.escapeHtml;
    const local = L.drawLocal.draw.handlers;
    local.polygon.tooltip.start = escapeHtml(element.dataset.tipStart);
    local.polygon.tooltip.cont = escapeHtml(element.dataset.tipCont);
    local.polygon.tooltip.end = escapeHtml(element.dataset.tipEnd);
    local.polyline.error = escapeHtml(element.dataset.tipCross);
    const drawer = new L.Draw.Polygon(map, {
      allowIntersection: false,
      showArea: false,
      showLength: false,
      shapeOptions: style,
    });

    function drawing(on) {
      tools.draw.hidden = on;
      tools.corner.hidden = !on;
      tools.undo.hidden = !on;
      tools.finish.hidden = !on;
    }

    function keep(layer) {
      drawn.clearLayers();
      drawn.addLayer(layer);
      const geometry = layer.toGeoJSON(DIGITS).geometry;
      input.value = JSON.stringify(geometry);
      status.textContent = element.dataset.placed;
    }

    function clear() {
      drawer.disable();
      drawn.clearLayers();
      input.value = "";
      status.textContent = element.dataset.empty;
    }

    map.on(L.Draw.Event.CREATED, function (event) {
      keep(event.layer);
    });
    map.on(L.Draw.Event.DRAWSTART, function () {
      drawing(true);
      status.textContent = element.dataset.drawing;
    });
    map.on(L.Draw.Event.DRAWSTOP, function () {
      drawing(false);
      if (!input.value) status.textContent = element.dataset.empty;
    });

    tools.draw.addEventListener("click", function () {
      clear();
      drawer.enable();
    });
    tools.corner.addEventListener("click", function () {
      drawer.addVertex(map.getCenter());
    });
    tools.undo.addEventListener("click", function () {
      drawer.deleteLastVertex();
    });
    tools.finish.addEventListener("click", function () {
      drawer.completeShape();
    });
    tools.clear.addEventListener("click", clear);

    const given = parsed(input);
    if (given && given.type === "Polygon") {
      L.geoJSON(given, { style: style }).eachLayer(function (layer) {
        drawn.addLayer(layer);
      });
    }
  }

  function setupRanking(group) {
    // Choosing a position another option holds swaps the two, so positions stay unique.
    const selects = Array.from(group.querySelectorAll("select"));
    selects.forEach(function (select) {
      select.dataset.previous = select.value;
      select.addEventListener("change", function () {
        if (select.value) {
          selects.forEach(function (other) {
            if (other !== select && other.value === select.value) {
              other.value = select.dataset.previous;
              other.dataset.previous = other.value;
            }
          });
        }
        select.dataset.previous = select.value;
      });
    });
  }

  document.querySelectorAll(".answer-map[data-kind=point]").forEach(setupPoint);
  document.querySelectorAll(".answer-map[data-kind=area]").forEach(setupArea);
  document.querySelectorAll("[data-ranking]").forEach(setupRanking);

  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
