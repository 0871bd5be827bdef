/* Shared map set-up: offline base layer of area outlines, optional tiles, text-only labels. */
(function () {
  "use strict";

  // Leaflet takes a string given to a popup, a tooltip or the layer control as
  // HTML. Whatever residents and officers type (and our own labels) goes in as
  // text: popups and tooltips get DOM nodes; the layer control, which only
  // takes strings, gets them escaped.
  function textNode(text) {
    return document.createTextNode(text === null || text === undefined ? "" : String(text));
  }

  function escapeHtml(text) {
    const span = document.createElement("span");
    span.textContent = text === null || text === undefined ? "" : String(text);
    return span.innerHTML;
  }

  function titled(title) {
    // A popup's box with its bold title, as text.
    const box = document.createElement("div");
    const strong = document.createElement("strong");
    strong.textContent = title || "";
    box.appendChild(strong);
    return box;
  }

  function textBlock(title, body) {
    // A bold title over a body, both as text (for popups).
    const box = titled(title);
    box.appendChild(document.createElement("br"));
    box.appendChild(textNode(body));
    return box;
  }

  function layerNames(names) {
    // {label: layer} for L.control.layers, with every label escaped.
    const escaped = {};
    Object.keys(names).forEach(function (label) {
      escaped[escapeHtml(label)] = names[label];
    });
    return escaped;
  }

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
    const map = L.map(element, { zoomControl: false, zoomSnap: 0.25 }).setView([52.528, 6.06], 14);
    // The zoom buttons' titles in the page's language (Django's JavaScript catalog,
    // /jsi18n/ in base.html); Leaflet's own are English.
    const gettext = window.gettext || function (text) { return text; };
    L.control.zoom({ zoomInTitle: gettext("Zoom in"), zoomOutTitle: gettext("Zoom out") }).addTo(map);
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
            lyr.bindTooltip(textNode(feature.properties.name), { sticky: true });
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

  function featurePopup(feature) {
    // Title, lines and link of a feature an app added (civic/map_layers.py), all as text.
    const box = titled(feature.title);
    (feature.lines || []).forEach(function (line) {
      const row = document.createElement("div");
      row.textContent = line;
      box.appendChild(row);
    });
    if (feature.url) {
      const link = document.createElement("a");
      // Only our own pages: a path on this site, never a javascript: or another site's URL.
      link.href = feature.url.charAt(0) === "/" && feature.url.charAt(1) !== "/" ? feature.url : "#";
      link.textContent = feature.link_label || feature.url;
      box.appendChild(link);
    }
    return box;
  }

  function drawLayers(map, layers) {
    // The layers apps add: every feature's shape in its colour, with a text popup, in a
    // pane between sensor squares and concerns. Returns {label: layer group}.
    if (!map.getPane("app-layers")) map.createPane("app-layers").style.zIndex = 415;
    const groups = {};
    (layers || []).forEach(function (layer) {
      const group = L.featureGroup();
      layer.features.forEach(function (feature) {
        const style = {
          pane: "app-layers", color: "#222", weight: 2, fillColor: feature.colour, fillOpacity: 0.6,
        };
        L.geoJSON(JSON.parse(feature.geometry), {
          style: style,
          pointToLayer: function (point, latlng) {
            // A dot in a ring: not to be mistaken for a concern's dot in a theme colour.
            const dot = L.circleMarker(latlng, Object.assign({}, style, { radius: 7, weight: 2 }));
            const ring = L.circleMarker(latlng, {
              pane: "app-layers", radius: 12, color: "#222", weight: 2, fill: false, interactive: false,
            });
            return L.featureGroup([dot, ring]);
          },
          onEachFeature: function (point, shape) {
            shape.bindPopup(function () { return featurePopup(feature); });
          },
        }).addTo(group);
      });
      groups[layer.label] = group;
    });
    return groups;
  }

  window.CivicMap = {
    drawLayers: drawLayers,
    create: create,
    fetchAll: fetchAll,
    textNode: textNode,
    textBlock: textBlock,
    escapeHtml: escapeHtml,
    layerNames: layerNames,
  };
})();
