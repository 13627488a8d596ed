/* The grid overview map (/maps/grids): Folium draws the grids (app/maps/grid_map.py) and
 * hands the map over as window.gridmapGrids; this adds the basemap switcher. */
import {useBasemaps} from "../lib/basemaps.js";

useBasemaps(window.gridmapGrids.map);
