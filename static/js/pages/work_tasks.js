/* My tasks (/work): the incidents assigned to me or in my grids, overdue first, then by
 * deadline, then by distance from where I am (GET /api/v1/me/tasks?lon=&lat=; offline, the
 * service worker's last copy). A task with a write waiting in the outbox says so. */
import {ApiError, api, query} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {dateTime, number} from "../lib/format.js";
import {fmt, lang, t} from "../lib/i18n.js";

const FAR = 1e15;

export function distanceText(m) {
  if (m === null || m === undefined) return null;
  return m < 1000 ? fmt(t("distance"), {d: number(m)})
    : fmt(t("distance_km"), {d: number(m / 1000, 1)});
}

function ordered(tasks) {
  const due = (x) => (x.due_at ? Date.parse(x.due_at) : FAR);
  const far = (x) => (x.distance_m === null || x.distance_m === undefined ? FAR : x.distance_m);
  return [...tasks].sort((a, b) => (Number(b.overdue) - Number(a.overdue))
    || (due(a) - due(b)) || (far(a) - far(b)) || (a.id - b.id));
}

export function categoryName(task) {
  return (lang() === "en" ? task.category_name_en : task.category) || task.category;
}

/* ctx: the shell's helpers (pages/work.js). */
export function tasksView(ctx) {
  const state = {tasks: [], loaded: false};

  function row(task) {
    const waiting = ctx.pending.get(task.id);
    const tags = [
      task.overdue ? el("span", {className: "wk-tag is-overdue"}, t("overdue")) : null,
      waiting ? el("span", {className: "wk-tag is-pending"}, t("pending")) : null,
      task.to_verify ? el("span", {className: "wk-tag is-verify"}, t("to_verify")) : null,
      task.to_verify ? null : el("span", {className: "wk-tag"}, t(task.status, task.status)),
    ];
    const meta = [
      task.due_at ? fmt(t("due"), {time: dateTime(task.due_at, "short")}) : null,
      distanceText(task.distance_m),
      task.grid ? task.grid.name : null,
      task.assigned_to_me ? t("assigned") : t("in_my_grid"),
    ].filter(Boolean);
    const button = el("button", {type: "button", className: "wk-task",
                                 "data-task": task.id},
      el("span", {className: "wk-task-top"},
         el("strong", null, "#" + task.id + " " + categoryName(task)), el("span", null, ...tags)),
      el("span", {className: "wk-task-desc"}, task.description || task.address || ""),
      el("span", {className: "wk-task-meta"}, ...meta.map((m) => el("span", null, m))));
    button.addEventListener("click", () => ctx.task.open(task));
    return el("li", {"data-status": task.status}, button);
  }

  function draw() {
    const tasks = ordered(state.tasks);
    $("task-count").textContent = "(" + tasks.length + ")";
    replace($("task-list"), ...(tasks.length ? tasks.map(row)
      : [el("li", {className: "wk-item wk-muted"}, t("tasks_empty"))]));
  }

  async function load() {
    const here = await ctx.position(120000);
    const q = here ? query({lon: here.lon.toFixed(6), lat: here.lat.toFixed(6)}) : "";
    try {
      const data = await api("/api/v1/me/tasks" + (q ? "?" + q : ""));
      state.tasks = data.tasks;
      $("tasks-note").hidden = navigator.onLine;
      $("tasks-note").textContent = t("tasks_cached");
    } catch (err) {
      ctx.notice(err instanceof ApiError ? t("error") + err.message : String(err), true);
    }
    state.loaded = true;
    draw();
  }

  $("tasks-refresh").addEventListener("click", load);
  ctx.onSent((item) => { if (item.incident) load(); });
  return {
    load,
    markPending: () => { if (state.loaded) draw(); },
    find: (id) => state.tasks.find((x) => x.id === id),
    /* A change the phone made that the server has not heard of yet. */
    patch: (id, fields) => {
      const task = state.tasks.find((x) => x.id === id);
      if (task) Object.assign(task, fields);
      draw();
    },
  };
}
