/* Drawing a plan's grids in the editor (/plans/<id>), on top of ./plan_editor.js.
 *
 * - Split: pick a grid, draw a line across it (Leaflet-Geoman's line tool; click the last
 *   point again to finish, Esc cancels) → POST /grids/split.
 * - Merge: pick a grid, press Merge, click a neighbour → POST /grids/merge (the picked grid
 *   keeps its code).
 * - Vertices: the picked grid's corners become handles; dropping one → POST
 *   /grids/move_vertex, and every grid with a corner there follows (the server finds them:
 *   Geoman cannot move vertices shared between layers). A refused move snaps back.
 * - Lasso: draw a free-hand outline; the buildings whose centre falls inside are painted
 *   into the picked grid.
 *
 * Every edit is a step of the editor's undo stack: undo puts the grids back as they were
 * (PUT /grids) and the buildings whose stated grid followed the edit back where they were;
 * redo does the reverse. A native ES module, no build step.
 */
import {$} from "../lib/dom.js";
import {fmt, lang} from "../lib/i18n.js";

/* The drawing tools on the editor P (plan_editor.js), if the plan may be written. */
export function installDrawing(P) {
  if (P.state.canWrite) drawingTools(P);
}

function drawingTools(P) {
  const {map, state, T, BASE, write, notice} = P;
  map.pm.setLang(lang());

  // ---- modes -----------------------------------------------------------------------------

  const BUTTONS = {split: "split", merge: "merge", vertex: "vertices", lasso: "lasso"};

  function setMode(mode) {
    if (state.mode === "split") map.pm.disableDraw();
    if (state.mode === "vertex") vertexLayer.clearLayers();
    if (state.mode === "lasso") { state.boxing = false; map.dragging.enable(); }
    if (mode && state.boxing) $("box-select").click();  // box select off
    state.mode = mode;
    Object.entries(BUTTONS).forEach(([m, id]) => $(id).setAttribute("aria-pressed", String(m === mode)));
    $("map").classList.toggle("is-drawing", Boolean(mode));  // tooltips hidden (plan_editor.css)
  }

  function picked() {
    const code = state.selected;
    if (code && state.grids.features.some((f) => f.properties.code === code)) return code;
    notice(T.pick_grid_first, "error");
    return null;
  }

  function toggle(mode, start) {
    return () => {
      if (state.busy) return;
      if (state.mode === mode) { setMode(null); notice(""); return; }
      setMode(null);
      start();
    };
  }

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.mode) { setMode(null); notice(""); }
  });

  // ---- one drawing edit = one undoable step ------------------------------------------------

  P.steps.shape = async (step, how) => {
    if (how === "do") {
      const plan = await write(BASE + "/grids/" + step.what, "POST", step.body);
      step.after = plan.grids;
      step.edit = plan.edit;
      P.drawGrids(plan.grids);
    } else {
      const plan = await P.putGrids(how === "undo" ? step.before : step.after);
      P.drawGrids(plan.grids);
      await P.restate(step.edit.moved || [], how !== "undo");
    }
    await P.recolour();
  };

  async function edit(what, body, done) {
    const step = {kind: "shape", what, body, before: state.grids};
    const ok = await P.run(step, "do");
    if (ok) notice(done(step.edit), "ok");
    if (state.mode === "vertex") drawVertices();
    return ok;
  }

  // ---- split -------------------------------------------------------------------------------

  function startSplit() {
    const code = picked();
    if (!code) return;
    setMode("split");
    map.pm.enableDraw("Line", {snappable: false, templineStyle: {color: "#dc2626", weight: 3},
                               hintlineStyle: {color: "#dc2626", dashArray: "5 5"}});
    notice(fmt(T.split_hint, {grid: code.slice(-3)}));
  }

  map.on("pm:create", (e) => {
    const line = e.layer;
    line.remove();
    if (state.mode !== "split") return;
    const grid = state.selected;
    setMode(null);
    const coordinates = line.getLatLngs().map((p) => [round(p.lng), round(p.lat)]);
    edit("split", {grid, line: {type: "LineString", coordinates}}, (r) => {
      P.select(r.added);
      return fmt(T.split_done, {grid: r.kept.slice(-3), added: r.added.slice(-3)});
    });
  });

  function round(x) {
    return Math.round(x * 1e7) / 1e7;
  }

  // ---- merge -------------------------------------------------------------------------------

  function startMerge() {
    const code = picked();
    if (!code) return;
    setMode("merge");
    notice(fmt(T.merge_hint, {grid: code.slice(-3)}));
  }

  P.modeClicks.merge = (other) => {
    const kept = state.selected;
    if (other === kept) { notice(fmt(T.merge_same, {grid: kept.slice(-3)}), "error"); return; }
    setMode(null);
    edit("merge", {grids: [kept, other]}, (r) => fmt(T.merge_done,
      {grid: r.kept.slice(-3), removed: r.removed.slice(-3)}));
  };
  P.modeClicks.split = () => {};  // clicks draw the line

  // ---- vertices ----------------------------------------------------------------------------

  map.createPane("vertices").style.zIndex = 640;
  const vertexLayer = L.layerGroup().addTo(map);

  function startVertices() {
    if (!picked()) return;
    setMode("vertex");
    drawVertices();
    notice(T.vertex_hint);
  }

  P.modeClicks.vertex = (code) => {
    P.select(code);
    drawVertices();
  };
  $("balance-rows").addEventListener("click", () => { if (state.mode === "vertex") drawVertices(); });

  // A handle on each distinct corner of the picked grid (rings' closing points skipped).
  function drawVertices() {
    vertexLayer.clearLayers();
    const f = state.grids.features.find((g) => g.properties.code === state.selected);
    if (!f) return;
    const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
    const seen = new Set();
    polygons.forEach((rings) => rings.forEach((ring) => ring.slice(0, -1).forEach((xy) => {
      const key = xy.join(",");
      if (seen.has(key)) return;
      seen.add(key);
      const handle = L.marker([xy[1], xy[0]], {draggable: true, pane: "vertices", keyboard: false,
        icon: L.divIcon({className: "pe-vertex", iconSize: [12, 12]})});
      handle.on("dragend", () => moved(handle, xy));
      handle.addTo(vertexLayer);
    })));
  }

  function moved(handle, from) {
    const p = handle.getLatLng();
    const to = [round(p.lng), round(p.lat)];
    edit("move_vertex", {from, to}, (r) => fmt(T.vertex_done, {n: r.grids.length,
      grids: r.grids.map((c) => c.slice(-3)).join(", ")}));
  }

  // ---- lasso -------------------------------------------------------------------------------

  function startLasso() {
    if (!picked()) return;
    setMode("lasso");
    state.boxing = true;  // building clicks do not paint while the lasso is out
    map.dragging.disable();
    notice(T.lasso_hint);
  }

  let outline = null;
  let points = null;
  map.on("mousedown", (e) => {
    if (state.mode !== "lasso") return;
    points = [e.containerPoint];
    outline = L.polyline([e.latlng], {color: "#0d6efd", weight: 2, dashArray: "4 4",
                                     interactive: false}).addTo(map);
  });
  map.on("mousemove", (e) => {
    if (!points) return;
    points.push(e.containerPoint);
    outline.addLatLng(e.latlng);
  });
  map.on("mouseup", () => {
    if (!points) return;
    const ring = points;
    points = null;
    outline.remove();
    if (ring.length < 3) return;
    const codes = [...state.buildings.values()].filter((b) =>
      inside(map.latLngToContainerPoint(b.layer.getBounds().getCenter()), ring)).map((b) => b.code);
    if (codes.length) P.paint(codes);
  });

  // Ray casting: is point p inside the closed outline?
  function inside(p, ring) {
    let odd = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i];
      const b = ring[j];
      if ((a.y > p.y) !== (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) odd = !odd;
    }
    return odd;
  }

  $("split").addEventListener("click", toggle("split", startSplit));
  $("merge").addEventListener("click", toggle("merge", startMerge));
  $("vertices").addEventListener("click", toggle("vertex", startVertices));
  $("lasso").addEventListener("click", toggle("lasso", startLasso));
  P.setMode = setMode;
}
