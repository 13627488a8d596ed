/* The grid overview map (/maps/grids): Folium draws the grids (app/maps/grid_map.py) and
 * hands the map over as window.gridmapGrids; this adds the basemap switcher and keeps its
 * tooltips on the screen. */
import {useBasemaps} from "../lib/basemaps.js";
import {keepTooltipsInView} from "../lib/map.js";

keepTooltipsInView();
useBasemaps(window.gridmapGrids.map);
