/* Challenge form: Leaflet.draw's polygon or rectangle fills the hidden GeoJSON input.
 *
 * Driven by our own buttons so it also works from the keyboard ("add a corner at
 * the centre of the map"). Every text comes from data- attributes (translated).
 */
(function () {
  "use strict";
  const element = document.getElementById("challenge-form-map");
  const input = document.getElementById(element.dataset.input);
  const status = document.getElementById(element.dataset.status);
  const DIGITS = 6;
  const tools = {};
  document.querySelectorAll(".map-tools [data-action]").forEach(function (button) {
    tools[button.dataset.action] = button;
  });
  let given = null;
  try {
    given = input.value ? JSON.parse(input.value) : null;
  } catch (error) {
    given = null;
  }
  if (given) element.dataset.keepView = "1";
  const map = CivicMap.create(element);
  const style = { color: "#a4161a", weight: 3, fillOpacity: 0.2 };
  const drawn = L.featureGroup().addTo(map);

  // Leaflet.draw puts its tooltip texts in as HTML.
  const escapeHtml = CivicMap.escapeHtml;
  const local = L.drawLocal.draw.handlers;
  local.polygon.tooltip.start = escapeHtml(element.dataset.tipStart);
  local.polygon.tooltip.cont = escapeHtml(element.dataset.tipCont);
  local.polygon.tooltip.end = escapeHtml(element.dataset.tipEnd);
  local.polyline.error = escapeHtml(element.dataset.tipCross);
  local.rectangle.tooltip.start = escapeHtml(element.dataset.tipRectangle);
  local.simpleshape.tooltip.end = escapeHtml(element.dataset.tipRectangle);
  const polygon = new L.Draw.Polygon(map, {
    allowIntersection: false, showArea: false, showLength: false, shapeOptions: style,
  });
  const rectangle = new L.Draw.Rectangle(map, { showArea: false, shapeOptions: style });

  function drawing(on) {
    tools.draw.hidden = on;
    tools.rectangle.hidden = on;
    tools.corner.hidden = !on;
    tools.undo.hidden = !on;
    tools.finish.hidden = !on;
  }

  function keep(layer) {
    drawn.clearLayers();
    drawn.addLayer(layer);
    input.value = JSON.stringify(layer.toGeoJSON(DIGITS).geometry);
    status.textContent = element.dataset.placed;
  }

  function clear() {
    polygon.disable();
    rectangle.disable();
    drawn.clearLayers();
    input.value = "";
    status.textContent = element.dataset.empty;
  }

  map.on(L.Draw.Event.CREATED, function (event) { keep(event.layer); });
  map.on(L.Draw.Event.DRAWSTART, function () { status.textContent = element.dataset.drawing; });
  map.on(L.Draw.Event.DRAWSTOP, function () {
    drawing(false);
    if (!input.value) status.textContent = element.dataset.empty;
  });
  tools.draw.addEventListener("click", function () { clear(); drawing(true); polygon.enable(); });
  tools.rectangle.addEventListener("click", function () { clear(); rectangle.enable(); });
  tools.corner.addEventListener("click", function () { polygon.addVertex(map.getCenter()); });
  tools.undo.addEventListener("click", function () { polygon.deleteLastVertex(); });
  tools.finish.addEventListener("click", function () { polygon.completeShape(); });
  tools.clear.addEventListener("click", clear);

  if (given) {
    L.geoJSON(given, { style: style }).eachLayer(function (layer) { drawn.addLayer(layer); });
    if (drawn.getBounds().isValid()) map.fitBounds(drawn.getBounds(), { maxZoom: 17 });
  }
})();
