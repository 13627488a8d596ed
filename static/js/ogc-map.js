// The OGC API pages' map: draws this page's features, fetched as GeoJSON from the
// alternate link in data-geojson, over the configured basemap.
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("ogc-map");
    if (!box || !window.L) { return; }
    var map = L.map(box);
    L.tileLayer(box.dataset.tiles, {attribution: box.dataset.attribution, maxZoom: 19}).addTo(map);
    map.setView([39.9, 116.4], 11);
    fetch(box.dataset.geojson, {headers: {"Accept": "application/geo+json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: {color: "#d9480f", weight: 2, fillOpacity: 0.15},
          onEachFeature: function (f, l) {
            // names are user-entered: a text node, never HTML
            var label = document.createElement("span");
            label.textContent = String(f.properties.name || f.properties.code || f.id);
            l.bindTooltip(label);
          }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 17}); }
        box.dataset.drawn = String(layer.getLayers().length);
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); }
  else { draw(); }
}());
