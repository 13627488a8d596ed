/* The grid worker's app (/work): the shell — views, the outbox's banner and its "needs
 * attention" list, the service worker — and the shared helpers the views get in `ctx`.
 * Views: ./work_tasks.js (my tasks), ./work_task.js (one task, acting on it),
 * ./work_patrol.js (patrols and problems found on them), ./work_messages.js. Every write
 * goes through the outbox (lib/outbox.js), so it survives being offline. */
import {$, el, replace} from "../lib/dom.js";
import {fmt, pageConfig, t} from "../lib/i18n.js";
import {openOutbox} from "../lib/outbox.js";
import {messagesView} from "./work_messages.js";
import {patrolView} from "./work_patrol.js";
import {taskView} from "./work_task.js";
import {tasksView} from "./work_tasks.js";

const config = pageConfig("work-config");
const VIEWS = ["tasks", "task", "patrol", "messages"];
const KIND_LABELS = {action: "kind_action", patrol_start: "kind_patrol_start",
                     patrol_points: "kind_patrol_points", patrol_finish: "kind_patrol_finish",
                     report: "kind_report"};

function notice(message, isError) {
  const box = $("notice");
  box.textContent = message || "";
  box.classList.toggle("is-error", Boolean(isError));
}

function show(view) {
  VIEWS.forEach((name) => { $("view-" + name).hidden = name !== view; });
  const tab = view === "task" ? "tasks" : view;
  document.querySelectorAll(".wk-tabs button").forEach((b) => {
    if (b.dataset.view === tab) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  });
  window.scrollTo(0, 0);
}

/* The phone's position now: {lon, lat, accuracy} or null (no permission, no fix). */
function position(maxAgeMs) {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({lon: p.coords.longitude, lat: p.coords.latitude,
                      accuracy: p.coords.accuracy}),
      () => resolve(null),
      {enableHighAccuracy: true, timeout: 10000, maximumAge: maxAgeMs || 30000});
  });
}

/* What a refused item says: a conflict plainly, else the server's message. */
function refusal(item) {
  const e = item.error || {};
  const details = e.details || {};
  if (details.conflict || (item.status === 409 && details.status)) {
    return fmt(t("conflict"), {status: t(details.status, details.status)});
  }
  return t("error") + (e.message || e.code || "HTTP " + item.status);
}

function drawBanner(state) {
  const banner = $("banner");
  const n = state.waiting.length;
  let text;
  if (state.signedOut) text = t("signed_out");
  else if (state.offline || !navigator.onLine) {  // offline: a send failed, or the browser says
    text = t("offline") + (n ? " · " + fmt(t("waiting"), {n}) : "");
  } else if (n) text = state.sending ? t("syncing") + " " + fmt(t("waiting"), {n})
    : fmt(t("waiting"), {n});
  else text = t("synced");
  $("banner-text").textContent = text;
  $("banner-signin").hidden = !state.signedOut;
  banner.classList.toggle("is-offline", Boolean(state.offline || !navigator.onLine));
  banner.classList.toggle("is-synced", !n && !state.signedOut && navigator.onLine);
  banner.dataset.waiting = String(n);
  banner.hidden = false;
}

function drawAttention(items, ctx) {
  $("attention").hidden = !items.length;
  replace($("attention-list"), ...items.map((item) => el("li", {className: "wk-attention-item"},
    el("span", null, el("strong", null, item.label || t(KIND_LABELS[item.kind] || item.kind)),
       el("br"), el("span", {className: "wk-refusal"}, refusal(item))),
    dismissButton(item, ctx))));
}

function dismissButton(item, ctx) {
  const button = el("button", {type: "button", className: "wk-btn wk-btn-small"}, t("dismiss"));
  button.addEventListener("click", () => ctx.outbox.dismiss(item.seq));
  return button;
}

/* The worker keeps the shell; once it controls the page, my tasks and grids are read
   again through it, so that a copy is there for offline use. */
function registerWorker(ctx) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => ctx.tasks.load());
  navigator.serviceWorker.register(config.sw, {scope: config.scope}).catch(() => {});
}

async function main() {
  const ctx = {config, notice, show, position, pending: new Map(), listeners: []};
  ctx.onSent = (fn) => ctx.listeners.push(fn);
  const outbox = await openOutbox({
    pageUrl: config.scope,
    owner: config.worker,
    onChange: (state) => {
      drawBanner(state);
      drawAttention(state.attention, ctx);
      ctx.pending = new Map(state.waiting.filter((i) => i.incident)
        .map((i) => [i.incident, i]));
      if (ctx.tasks) ctx.tasks.markPending();
    },
    onSent: (item, data) => ctx.listeners.forEach((fn) => fn(item, data)),
  });
  ctx.outbox = outbox;
  ctx.task = taskView(ctx);
  ctx.tasks = tasksView(ctx);
  ctx.patrol = patrolView(ctx);
  ctx.messages = messagesView(ctx);
  document.querySelectorAll(".wk-tabs button").forEach((b) => b.addEventListener("click", () => {
    show(b.dataset.view);
    if (b.dataset.view === "tasks") ctx.tasks.load();
    if (b.dataset.view === "patrol") ctx.patrol.load();
    if (b.dataset.view === "messages") ctx.messages.load();
  }));
  $("sign-out").addEventListener("submit", () => {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("forget");
    }
  });
  window.addEventListener("online", () => outbox.flush());
  registerWorker(ctx);
  ctx.tasks.load();
  ctx.messages.load();
  window.gridmapWork = ctx;  // tests and the browser's console reach the app here
}

main();
