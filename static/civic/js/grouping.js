/* Grouping: select concerns by clicking their dots or drawing a rectangle or an area around them.
 *
 * The map and the list's checkboxes are one selection: a click on a dot ticks its
 * box, ticking a box colours its dot. Every label is text, never markup.
 */
(function () {
  "use strict";
  const element = document.getElementById("grouping-map");
  const data = JSON.parse(document.getElementById("grouping-map-data").textContent);
  const counter = document.getElementById("selected-count");
  const map = CivicMap.create(element);
  map.createPane("concerns").style.zIndex = 420;
  const markers = {};
  const group = L.featureGroup().addTo(map);

  function box(id) {
    return document.getElementById("pick-" + id);
  }

  function paint(id) {
    const picked = box(id) && box(id).checked;
    markers[id].setStyle({ weight: picked ? 4 : 1, color: picked ? "#0b5cad" : "#222" });
  }

  function count() {
    const n = document.querySelectorAll("input[name=concerns]:checked").length;
    counter.textContent = element.dataset.selectedTemplate.replace("%s", n);
  }

  data.concerns.forEach(function (c) {
    const marker = L.circleMarker([c.lat, c.lon], {
      pane: "concerns", radius: 7, color: "#222", weight: 1, fillColor: c.colour, fillOpacity: 0.85,
    }).addTo(group);
    marker.bindTooltip(CivicMap.textNode("#" + c.id + " · " + c.theme + ": " + c.description));
    marker.on("click", function () {
      const input = box(c.id);
      if (input) input.checked = !input.checked;
      paint(c.id);
      count();
    });
    markers[c.id] = marker;
  });
  document.querySelectorAll("input[name=concerns][id^=pick-]").forEach(function (input) {
    input.addEventListener("change", function () {
      paint(input.value);
      count();
    });
  });
  Object.keys(markers).forEach(paint);
  count();
  if (group.getLayers().length && group.getBounds().isValid()) {
    element.dataset.keepView = "1";
    map.fitBounds(group.getBounds(), { maxZoom: 17, padding: [20, 20] });
  }

  // Leaflet.draw puts its tooltip texts in as HTML.
  const escapeHtml = CivicMap.escapeHtml;
  const local = L.drawLocal.draw.handlers;
  local.polygon.tooltip.start = escapeHtml(element.dataset.tipStart);
  local.polygon.tooltip.cont = escapeHtml(element.dataset.tipCont);
  local.polygon.tooltip.end = escapeHtml(element.dataset.tipEnd);
  local.rectangle.tooltip.start = escapeHtml(element.dataset.tipRectangle);
  local.simpleshape.tooltip.end = escapeHtml(element.dataset.tipRectangle);
  const tools = {
    rectangle: new L.Draw.Rectangle(map, { showArea: false }),
    polygon: new L.Draw.Polygon(map, { allowIntersection: false, showArea: false, showLength: false }),
  };

  function inside(latlng, ring) {
    // Ray casting on the drawn ring (degrees are fine at this scale).
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i];
      const b = ring[j];
      if ((a.lat > latlng.lat) !== (b.lat > latlng.lat) &&
          latlng.lng < ((b.lng - a.lng) * (latlng.lat - a.lat)) / (b.lat - a.lat) + a.lng) {
        hit = !hit;
      }
    }
    return hit;
  }

  map.on(L.Draw.Event.CREATED, function (event) {
    const ring = event.layer.getLatLngs()[0];
    Object.keys(markers).forEach(function (id) {
      if (inside(markers[id].getLatLng(), ring) && box(id)) {
        box(id).checked = true;
        paint(id);
      }
    });
    count();
  });
  document.querySelectorAll("[data-select]").forEach(function (button) {
    button.addEventListener("click", function () {
      const how = button.dataset.select;
      if (how === "none") {
        document.querySelectorAll("input[name=concerns][id^=pick-]").forEach(function (input) {
          input.checked = false;
        });
        Object.keys(markers).forEach(paint);
        count();
        return;
      }
      tools[how].enable();
    });
  });
})();
