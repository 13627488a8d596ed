/* Patrols (/work): start and end one; while it runs, a point every recordSeconds or
 * recordMeters (whichever comes first, with its accuracy) from watchPosition, queued in
 * batches of batchPoints; report a problem found on the way (category, description,
 * photos, where I am); the day's log. The patrol lives in localStorage while it runs, so a
 * reload carries on; its server id may not be known yet (started offline): the outbox's
 * items name it by the start's client_id (`ref`). */
import {api} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {dateTime, number} from "../lib/format.js";
import {fmt, lang, t} from "../lib/i18n.js";
import {newId} from "../lib/outbox.js";
import {shrinkAll} from "../lib/photos.js";

const KEPT = "gridmap.work.patrol";
const EARTH = 6371008.8;

function meters(a, b) {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.sqrt(x * x + y * y) * EARTH;
}

function kept() {
  try { return JSON.parse(window.localStorage.getItem(KEPT)); } catch { return null; }
}

export function patrolView(ctx) {
  const cfg = ctx.config;
  let patrol = kept();  // {cid, started_at, count, last: {lon, lat, t}, buffer: [points]}
  const s = {watch: null, timer: null, fix: null, photos: null, categories: null};

  function save() {
    if (patrol) window.localStorage.setItem(KEPT, JSON.stringify(patrol));
    else window.localStorage.removeItem(KEPT);
  }

  function draw() {
    $("patrol-start").hidden = Boolean(patrol);
    $("patrol-finish").hidden = !patrol;
    $("patrol-report").hidden = !patrol;
    $("patrol-state").textContent = patrol
      ? fmt(t("patrol_on"), {n: patrol.count}) + " · "
        + fmt(t("patrol_since"), {time: dateTime(patrol.started_at, "short")})
      : t("patrol_idle");
    $("patrol-state").dataset.points = patrol ? String(patrol.count) : "";
  }

  function queuePoints() {
    if (!patrol || !patrol.buffer.length) return;
    const points = patrol.buffer;
    patrol.buffer = [];
    save();
    ctx.outbox.enqueue({kind: "patrol_points", ref: patrol.cid, json: {points},
                        url: "/api/v1/patrols/{ref}/points"});
  }

  function record(fix, now) {
    const point = {at: new Date(now).toISOString(), lon: Number(fix.lon.toFixed(7)),
                   lat: Number(fix.lat.toFixed(7)), accuracy: Math.round(fix.accuracy * 10) / 10};
    patrol.buffer.push(point);
    patrol.count += 1;
    patrol.last = {lon: fix.lon, lat: fix.lat, t: now};
    save();
    if (patrol.buffer.length >= cfg.batchPoints) queuePoints();
    draw();
  }

  function moved(p) {
    s.fix = {lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy};
    if (!patrol) return;
    const now = Date.now();
    const last = patrol.last;
    if (!last || now - last.t >= cfg.recordSeconds * 1000
        || meters(last, s.fix) >= cfg.recordMeters) record(s.fix, now);
  }

  function tick() {  // standing still: watchPosition says nothing, the time still counts
    if (patrol && s.fix && Date.now() - patrol.last.t >= cfg.recordSeconds * 1000) {
      record(s.fix, Date.now());
    }
  }

  function follow() {
    if (!navigator.geolocation || s.watch !== null) return;
    s.watch = navigator.geolocation.watchPosition(moved, (err) => {
      if (err.code === 1) ctx.notice(t("geo_denied"), true);
    }, {enableHighAccuracy: true, maximumAge: 0, timeout: 30000});
    s.timer = window.setInterval(tick, 5000);
  }

  function stop() {
    if (s.watch !== null) navigator.geolocation.clearWatch(s.watch);
    window.clearInterval(s.timer);
    s.watch = null;
  }

  async function start() {
    const cid = newId();
    patrol = {cid, started_at: new Date().toISOString(), count: 0, last: null, buffer: []};
    save();
    await ctx.outbox.enqueue({kind: "patrol_start", keepId: cid, url: "/api/v1/patrols",
                              json: {client_id: cid, started_at: patrol.started_at}});
    follow();
    const here = await ctx.position(0);
    if (here && patrol && !patrol.count) record(here, Date.now());
    draw();
  }

  async function finish() {
    if (!patrol) return;
    if (s.fix && patrol.last && meters(patrol.last, s.fix) > 0) record(s.fix, Date.now());
    queuePoints();
    const cid = patrol.cid;
    patrol = null;
    save();
    stop();
    $("report-form").hidden = true;
    await ctx.outbox.enqueue({kind: "patrol_finish", ref: cid, url: "/api/v1/patrols/{ref}/finish",
                              json: {finished_at: new Date().toISOString()}});
    draw();
  }

  async function categories() {
    if (!s.categories) {
      const data = await api("/api/v1/categories").catch(() => ({categories: []}));
      s.categories = data.categories.filter((c) => c.active !== false);
      const select = $("report-category");
      s.categories.forEach((c) => select.appendChild(el("option", {value: c.code},
        lang() === "en" ? c.name_en || c.code : c.code)));
    }
  }

  async function openReport() {
    $("report-form").reset();
    s.photos = null;
    $("report-photos-info").textContent = "";
    $("report-form").hidden = false;
    await categories();
    const here = s.fix || await ctx.position(60000);
    if (here) s.fix = here;
    $("report-where").textContent = fmt(t("report_where"), {
      where: here ? here.lat.toFixed(5) + ", " + here.lon.toFixed(5) + " (±"
        + number(here.accuracy) + " m)" : t("no_fix")});
  }

  async function sendReport(event) {
    event.preventDefault();
    const category = $("report-category").value;
    const description = $("report-description").value.trim();
    if (!category) { ctx.notice(t("choose_category"), true); return; }
    if (!description) { ctx.notice(t("description_required"), true); return; }
    const files = $("report-photos").files;
    if (files.length > cfg.maxPhotos) { ctx.notice(t("photos_too_many"), true); return; }
    $("report-send").disabled = true;
    try {
      const photos = files.length ? await shrinkAll(files, cfg.photoEdge, cfg.photoQuality, cfg.photoBytes) : [];
      const fix = s.fix || await ctx.position(0);
      const fields = {client_id: newId(), category, description,
                      lon: fix ? Number(fix.lon.toFixed(7)) : null,
                      lat: fix ? Number(fix.lat.toFixed(7)) : null,
                      accuracy: fix ? Math.round(fix.accuracy * 10) / 10 : null};
      const item = {kind: "report", ref: patrol.cid, url: "/api/v1/patrols/{ref}/reports",
                    label: t("kind_report") + " · " + category};
      if (photos.length) Object.assign(item, {fields, files: photos});
      else item.json = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
      queuePoints();  // the track up to here goes first
      await ctx.outbox.enqueue(item);
      $("report-form").hidden = true;
      ctx.notice(navigator.onLine ? t("sent") : t("queued"));
    } catch {
      ctx.notice(t("photo_bad"), true);
    } finally {
      $("report-send").disabled = false;
    }
  }

  function logRow(p) {
    const grids = (p.grids || []).map((g) => g.name || g.code).join("、");
    return el("li", {className: "wk-item", "data-patrol": p.id},
      fmt(t("patrol_row"), {from: dateTime(p.started_at, "short"),
                            to: p.finished_at ? dateTime(p.finished_at, "short")
                              : t("patrol_open"),
                            km: number((p.distance_m || 0) / 1000, 2),
                            problems: (p.problems || []).length}),
      grids ? el("small", {className: "wk-muted"}, t("patrol_grids") + grids) : null);
  }

  async function load() {
    draw();
    try {
      const data = await api("/api/v1/me/patrols");  // today in the city's time zone
      const patrols = data.patrols || [];
      replace($("patrol-log"), ...(patrols.length ? patrols.map(logRow)
        : [el("li", {className: "wk-item wk-muted"}, t("patrol_log_empty"))]));
    } catch {
      replace($("patrol-log"), el("li", {className: "wk-item wk-muted"}, t("network")));
    }
  }

  $("patrol-start").addEventListener("click", start);
  $("patrol-finish").addEventListener("click", finish);
  $("patrol-report").addEventListener("click", openReport);
  $("report-form").addEventListener("submit", sendReport);
  $("report-cancel").addEventListener("click", () => { $("report-form").hidden = true; });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") queuePoints();
  });
  ctx.onSent((item) => {
    if (item.kind === "patrol_finish" && !$("view-patrol").hidden) load();
  });
  if (patrol) follow();
  draw();
  return {load, flushPoints: queuePoints};
}
