/* The grid overview map (/maps/grids): Folium draws the grids (app/maps/grid_map.py) and
 * hands the map over as window.gridmapGrids; this adds the basemap switcher, keeps its
 * tooltips on the screen, and shows the responsibility overlays in force today
 * (/api/v1/overlays), a layer that can be hidden. */
import {useBasemaps} from "../lib/basemaps.js";
import {el} from "../lib/dom.js";
import {api, query} from "../lib/http.js";
import {fmt, pageConfig, t} from "../lib/i18n.js";
import {keepTooltipsInView, textTooltip} from "../lib/map.js";

const config = pageConfig("grids-config");
const map = window.gridmapGrids.map;
keepTooltipsInView();
useBasemaps(map);

const STYLE = {color: "#d35400", weight: 3, dashArray: "6 4", fillOpacity: 0.08};

async function showOverlays() {
  const layer = L.featureGroup();
  L.control.layers(null, {[t("layer_overlays")]: layer}, {collapsed: false}).addTo(map);
  let answer;
  try {
    answer = await api("/api/v1/overlays?" + query({at: config.today, limit: config.limit}));
  } catch (err) {
    document.querySelector(".map-frame").after(
      el("div", {className: "alert alert-warning small py-1 mt-2", id: "overlays-failed"},
         t("overlays_failed") + err.message));
    return;
  }
  answer.items.forEach((item) => {
    const shape = L.geoJSON(item.geometry, {style: () => STYLE});
    textTooltip(shape, () => fmt(t("overlay_tip"),
                                 {name: item.name, unit: item.department_name ||
                                  item.company_name || item.grid || ""}), {sticky: true});
    layer.addLayer(shape);
  });
  layer.addTo(map);
}

showOverlays();
