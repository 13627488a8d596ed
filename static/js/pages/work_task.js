/* One task (/work): its details, a small map (my grid's outline and the place; tiles when
 * online), the history with photos, the reporter's phone where I may see it, links that
 * open the phone's map app, and the actions I may take now (start, resolve, return, note;
 * a grid chief's 待核查: verify, or rework with a reason — never on their own work).
 * An action goes into the outbox with the status I saw (seen_status), my GPS fix and, to
 * resolve, 1–6 photos shrunk on the phone (lib/photos.js). */
import {api} from "../lib/http.js";
import {useBasemaps} from "../lib/basemaps.js";
import {shift} from "../lib/crs.js";
import {$, el, replace} from "../lib/dom.js";
import {coords, dateTime, number} from "../lib/format.js";
import {fmt, t} from "../lib/i18n.js";
import {keepSized, pinIcon} from "../lib/map.js";
import {newId} from "../lib/outbox.js";
import {shrinkAll} from "../lib/photos.js";
import {categoryName, distanceText} from "./work_tasks.js";

const WORKER_ACTIONS = ["verify", "rework", "start", "resolve", "return", "note"];
const NOTE_REQUIRED = new Set(["return", "note", "rework"]);
// after these the task is no longer mine
const LEAVING = new Set(["resolve", "return", "verify", "rework"]);
// what the phone shows after its own action, before the server has it
const AFTER = {start: {status: "in_progress", actions: ["resolve", "return", "note"]}};

function row(label, value) {
  return value === null || value === undefined || value === "" ? []
    : [el("dt", null, label), el("dd", null, value)];
}

export function taskView(ctx) {
  const cfg = ctx.config;
  const s = {task: null, detail: null, map: null, layers: null, action: null, photos: [],
             grids: null, shrinking: null};

  async function grids() {
    if (!s.grids) s.grids = api("/api/v1/me/grids").catch(() => ({features: []}));
    return s.grids;
  }

  async function drawMap(task) {
    if (!s.map) {
      s.map = L.map("task-map", {zoomControl: true, attributionControl: true});
      s.layers = L.layerGroup().addTo(s.map);
      s.map.setView([task.lat, task.lon], 16);
      keepSized(s.map);
      await useBasemaps(s.map);
    }
    s.layers.clearLayers();
    const point = L.latLng(task.lat, task.lon);
    const mine = (await grids()).features.filter((f) => task.grid
      && f.properties.id === task.grid.id);
    const outline = L.geoJSON({type: "FeatureCollection", features: mine},
                              {style: {color: "#1f6feb", weight: 2, fillOpacity: 0.06}});
    outline.addTo(s.layers);
    L.marker(point, {icon: pinIcon("wk-pin", 18), keyboard: false}).addTo(s.layers);
    const bounds = mine.length ? outline.getBounds().extend(point) : L.latLngBounds([point]);
    s.map.fitBounds(bounds, {maxZoom: 17, padding: [12, 12]});
    $("task-map-note").hidden = navigator.onLine;
  }

  async function drawLinks(task) {
    const label = "#" + task.id + " " + categoryName(task);
    const at = Number(task.lat).toFixed(6) + "," + Number(task.lon).toFixed(6);
    const links = [el("a", {className: "wk-btn wk-btn-small", id: "open-geo",
                            href: `geo:${at}?q=${at}(${encodeURIComponent(label)})`},
                      t("open_geo"))];
    try {
      const [lon, lat] = await shift(task.lon, task.lat, "wgs84", "gcj02");
      const q = new URLSearchParams({position: lon.toFixed(6) + "," + lat.toFixed(6),
                                     name: label, src: "gridmap", coordinate: "gaode",
                                     callnative: "1"});
      links.unshift(el("a", {className: "wk-btn wk-btn-small", id: "open-amap",
                             href: "https://uri.amap.com/marker?" + q, target: "_blank",
                             rel: "noopener"}, t("open_amap")));
    } catch { /* gcoord not at hand offline before the first load: the geo: link stays */ }
    replace($("task-links"), el("span", {className: "wk-muted"}, t("open_map")), ...links);
  }

  function drawDetails(task, detail) {
    const d = detail || {};
    const phone = d.reporter_phone;
    replace($("task-details"),
      ...row(t("category"), categoryName(task)),
      ...row(t("description"), task.description),
      ...row(t("address"), task.address || coords(task.lon, task.lat)),
      ...row(t("grid"), task.grid ? task.grid.name + " (" + task.grid.code + ")" : null),
      ...row(t("reported_at"), dateTime(task.reported_at, "short")),
      ...row(t("response_due_at"), task.status === "reported"
        ? dateTime(task.response_due_at, "short") : null),
      ...row(t("due_at"), dateTime(task.due_at, "short")),
      ...row(t("distance_label"), distanceText(task.distance_m)),
      ...(phone ? [el("dt", null, t("reporter_phone")),
                   el("dd", null, el("a", {href: "tel:" + phone, id: "reporter-phone"},
                                     phone))] : []));
    const tags = [el("span", {className: "wk-tag", id: "task-status-tag"},
                     t(task.status, task.status))];
    if (task.overdue) tags.unshift(el("span", {className: "wk-tag is-overdue"}, t("overdue")));
    if (ctx.pending.get(task.id)) tags.push(el("span", {className: "wk-tag is-pending"},
                                               t("pending")));
    replace($("task-status"), ...tags);
  }

  function drawHistory(detail) {
    const events = (detail && detail.history) || [];
    replace($("task-history"), ...events.map((e) => {
      const fix = e.fix || (e.details && e.details.fix);
      return el("li", null,
        el("strong", null, t("act_" + e.action, e.action)),
        e.to_status ? " → " + t(e.to_status, e.to_status) : "",
        e.note ? el("div", null, e.note) : null,
        fix && fix.far ? el("div", {className: "wk-far"},
                            fmt(t("far"), {m: number(fix.distance_m)})) : null,
        el("small", null, dateTime(e.at, "short") + " · " + (e.actor || "")));
    }));
    const photos = (detail && detail.photos) || [];
    replace($("task-photos"), ...photos.map((p) => el("img", {src: p.url, alt: t("photos"),
                                                            loading: "lazy"})));
  }

  function drawActions(task) {
    const names = (task.actions || []).filter((a) => WORKER_ACTIONS.includes(a));
    const waiting = ctx.pending.get(task.id);
    const leaving = Boolean(waiting) && LEAVING.has(waiting.action);  // only a note then
    const buttons = names.map((name) => {
      const b = el("button", {type: "button", className: "wk-btn"
                                + (["resolve", "verify"].includes(name) ? " wk-btn-primary" : ""),
                              "data-action": name, disabled: leaving && name !== "note"},
                   t("act_" + name));
      b.addEventListener("click", () => (name === "start" ? act("start") : openForm(name)));
      return b;
    });
    // Resolved work I may not verify (my own): why, instead of buttons the server refuses.
    const refused = task.to_verify && task.verify_refused
      ? [el("p", {className: "wk-muted", id: "verify-refused"},
            task.assigned_to_me ? t("verify_own") : task.verify_refused)] : [];
    replace($("task-actions"), ...refused, ...buttons);
  }

  async function open(task) {
    Object.assign(s, {task, detail: null});
    $("act-form").hidden = true;
    $("task-title").textContent = "#" + task.id + " " + categoryName(task);
    ctx.show("task");
    drawDetails(task, null);
    drawActions(task);
    drawHistory(null);
    drawLinks(task);
    drawMap(task);
    await refresh(task);
  }

  /* The incident as the server has it now: details, history, photos, actions. */
  async function refresh(task) {
    try {
      s.detail = await api("/api/v1/incidents/" + task.id);
    } catch { return; }  // offline and never opened: what the task list knew
    if (s.task !== task) return;
    if (!ctx.pending.get(task.id)) {
      Object.assign(task, {status: s.detail.status, actions: s.detail.allowed_actions});
    }
    drawDetails(task, s.detail);
    drawHistory(s.detail);
    drawActions(task);
  }

  function openForm(name) {
    const form = $("act-form");
    form.reset();
    s.action = name;
    s.photos = [];
    $("act-title").textContent = t("act_" + name);
    $("act-photos-box").hidden = name !== "resolve";
    $("act-photos-label").textContent = s.task.evidence_required ? t("photos_label")
      : t("photos_optional");
    $("act-photos-info").textContent = "";
    $("act-fix").textContent = "";
    $("act-note").required = NOTE_REQUIRED.has(name);
    form.hidden = false;
    form.scrollIntoView({block: "nearest"});
  }

  async function pickPhotos() {
    const files = $("act-photos").files;
    if (files.length > cfg.maxPhotos) {
      ctx.notice(t("photos_too_many"), true);
      s.photos = [];
      return;
    }
    try {
      s.photos = await shrinkAll(files, cfg.photoEdge, cfg.photoQuality, cfg.photoBytes);
    } catch {
      s.photos = [];
      ctx.notice(t("photo_bad"), true);
      return;
    }
    const kb = s.photos.reduce((sum, p) => sum + p.blob.size, 0) / 1024;
    $("act-photos-info").textContent = fmt(t("photos_ready"), {n: s.photos.length,
                                                               kb: number(kb)});
    $("act-photos-info").dataset.bytes = String(Math.round(kb * 1024));
  }

  async function act(name, note, photos) {
    const task = s.task;
    const fix = await ctx.position(0);
    const fields = {action: name, client_id: newId(), seen_status: task.status,
                    note: note || null, lon: fix ? fix.lon.toFixed(7) : null,
                    lat: fix ? fix.lat.toFixed(7) : null,
                    accuracy: fix ? Math.round(fix.accuracy * 10) / 10 : null};
    const item = {kind: "action", action: name, incident: task.id, label: t("act_" + name) + " · #" + task.id,
                  url: `/api/v1/incidents/${task.id}/actions`};
    if (photos && photos.length) Object.assign(item, {fields, files: photos});
    else {
      item.json = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
      if (item.json.lon) Object.assign(item.json, {lon: Number(fields.lon), lat: Number(fields.lat)});
    }
    await ctx.outbox.enqueue(item);
    ctx.notice(navigator.onLine ? t("sent") : t("queued"));
    const after = AFTER[name];
    if (after) {
      ctx.tasks.patch(task.id, after);
      Object.assign(task, after);
      open(task);
    } else if (name === "note") {
      $("act-form").hidden = true;
    } else {
      ctx.show("tasks");
      ctx.tasks.markPending();
    }
  }

  async function submit(event) {
    event.preventDefault();
    const note = $("act-note").value.trim();
    await s.shrinking;
    if (NOTE_REQUIRED.has(s.action) && !note) {
      ctx.notice(t("note_required"), true);
      $("act-note").focus();
      return;
    }
    if (s.action === "resolve" && s.task.evidence_required && !s.photos.length) {
      ctx.notice(t("photos_required"), true);
      return;
    }
    $("act-send").disabled = true;
    try {
      await act(s.action, note, s.action === "resolve" ? s.photos : []);
      $("act-form").hidden = true;
    } finally {
      $("act-send").disabled = false;
    }
  }

  $("act-photos").addEventListener("change", () => { s.shrinking = pickPhotos(); });
  $("act-form").addEventListener("submit", submit);
  $("act-cancel").addEventListener("click", () => { $("act-form").hidden = true; });
  $("task-back").addEventListener("click", () => { ctx.show("tasks"); ctx.tasks.load(); });
  ctx.onSent((item) => {
    if (s.task && item.incident === s.task.id && !$("view-task").hidden) refresh(s.task);
  });
  return {open, grids};
}
