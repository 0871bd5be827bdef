/* django-leaflet's map and geometry-widget set-up (the admin's maps), read from data attributes.
 *
 * django-leaflet writes this set-up as inline scripts; our Content-Security-Policy
 * runs none, so templates/leaflet/ renders it as markers and this file does what
 * those scripts did. The file follows each marker; every marker is set up once.
 */
(function () {
  "use strict";

  function resolve(path) {
    // "L.GeometryField" → window.L.GeometryField
    return path.split(".").reduce(function (object, key) {
      return object === undefined || object === null ? undefined : object[key];
    }, window);
  }

  function setUpWidget(marker) {
    const data = marker.dataset;
    const module = {
      fieldid: data.fieldid,
      modifiable: data.modifiable === "true",
      geom_type: data.geomType,
      srid: Number(data.srid),
    };
    window[data.module] = module;
    function callback(map, options) {
      module.field_store_class = resolve(data.fieldStoreClass);
      module.precision = options.djoptions.precision;
      const GeometryField = resolve(data.geometryFieldClass);
      new GeometryField(module).addTo(map);
    }
    window[data.callback] = callback;
    if (data.targetMap) {
      window.addEventListener("map:init", function (event) {
        const target = event.detail.map;
        target.on("map:loadfield", function (loaded) {
          if (loaded.fieldid === "id_" + data.targetMap) {
            setTimeout(function () {
              callback(target, event.detail.options);
            }, 0);
          }
        });
      });
    }
  }

  function setUpMap(marker) {
    const data = marker.dataset;
    const globals = data.globals === "true";
    function loadmap() {
      const map = L.Map.djangoMap(data.name, {
        djoptions: JSON.parse(data.djoptions),
        initfunc: loadmap,
        globals: globals,
        callback: data.callback ? resolve(data.callback) : null,
      });
      if (globals) window["leafletmap" + data.name] = map;
    }
    const events = JSON.parse(data.loadevents);
    if (events.length === 0) {
      loadmap();
    } else {
      events.forEach(function (name) {
        window.addEventListener(name, loadmap);
      });
    }
    if (globals) window["loadmap" + data.name] = loadmap;
  }

  document.querySelectorAll(".django-leaflet-widget:not([data-ready])").forEach(function (marker) {
    marker.dataset.ready = "1";
    setUpWidget(marker);
  });
  document.querySelectorAll(".django-leaflet-map:not([data-ready])").forEach(function (marker) {
    marker.dataset.ready = "1";
    setUpMap(marker);
  });
})();
