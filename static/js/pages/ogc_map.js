/* The OGC API pages' map: draws this page's features, fetched as GeoJSON from the
 * alternate link in data-geojson, over the chosen basemap. Names are user-entered:
 * their tooltips are text, never HTML. A native ES module (deferred: the page is parsed). */
import {api} from "../lib/http.js";
import {useBasemaps} from "../lib/basemaps.js";
import {keepTooltipsInView, textTooltip} from "../lib/map.js";

keepTooltipsInView();

async function draw(box) {
  const map = L.map(box);
  map.setView([39.9, 116.4], 11);
  await useBasemaps(map);
  const data = await api(box.dataset.geojson, {headers: {Accept: "application/geo+json"}});
  const layer = L.geoJSON(data, {
    style: {color: "#d9480f", weight: 2, fillOpacity: 0.15},
    onEachFeature: (f, l) => textTooltip(l, () => f.properties.name || f.properties.code || f.id),
  }).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, {maxZoom: 17});
  box.dataset.drawn = String(layer.getLayers().length);
}

const box = document.getElementById("ogc-map");
if (box && window.L) draw(box);
