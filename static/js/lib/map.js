/* Leaflet bits the map pages share (L: static/vendor/leaflet). Basemaps: lib/basemaps.js;
 * coordinate systems: lib/crs.js. */
import {debounce, el} from "./dom.js";

/* Keeps the map drawn over its whole container as the page around it grows and shrinks
   (Leaflet only measures on a window resize); after(), if given, runs once it has. */
export function keepSized(map, after) {
  if (!window.ResizeObserver) return;
  new ResizeObserver(debounce(() => {
    map.invalidateSize({pan: false});
    if (after) after();
  }, 100)).observe(map.getContainer());
}

/* LatLngBounds → the API's bbox "west,south,east,north", clamped, `digits` decimals (6). */
export function bbox(bounds, digits) {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
          clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90)]
    .map((v) => v.toFixed(digits === undefined ? 6 : digits)).join(",");
}

/* A tooltip of content(layer): a node, or a string placed as text (Leaflet would parse a
   string as HTML). */
export function textTooltip(layer, content, options) {
  return layer.bindTooltip((source) => {
    const made = content(source);
    return made instanceof Node ? made : el("span", {}, made == null ? "" : String(made));
  }, options);
}

/* A marker icon that is one <div class=className>, drawn by CSS. */
export function pinIcon(className, size) {
  return L.divIcon({className: "", html: el("div", {className}), iconSize: [size, size],
                    iconAnchor: [size / 2, size / 2]});
}

/* Keeps every tooltip inside its map and the screen: after Leaflet places one (on opening,
   and as a sticky one follows the mouse), it is shifted back by what sticks out (CSS
   `translate`, which adds to Leaflet's own transform). Leaflet only picks left or right of
   the point, so a wide tooltip near an edge, or any near the top or bottom, was cut off.
   Once per page; it applies to every map of the page. */
export function keepTooltipsInView() {
  const proto = L.Tooltip.prototype;
  if (proto.gridmapInView) return;
  const place = proto._setPosition;
  proto._setPosition = function setPosition(pos) {
    place.call(this, pos);
    nudge(this._container, this._map && this._map.getContainer());
  };
  proto.gridmapInView = true;
}

function nudge(node, frame) {
  if (!node || !frame) return;
  node.style.translate = "";
  const r = node.getBoundingClientRect();
  const f = frame.getBoundingClientRect();
  const left = Math.max(f.left, 0) + 2;
  const top = Math.max(f.top, 0) + 2;
  const right = Math.min(f.right, window.innerWidth) - 2;
  const bottom = Math.min(f.bottom, window.innerHeight) - 2;
  const dx = r.left < left ? left - r.left : (r.right > right ? Math.max(right - r.right, left - r.left) : 0);
  const dy = r.top < top ? top - r.top : (r.bottom > bottom ? Math.max(bottom - r.bottom, top - r.top) : 0);
  if (dx || dy) node.style.translate = Math.round(dx) + "px " + Math.round(dy) + "px";
}
