/* /admin/people/workers: the roster (search, paging), the editor (add, change), leave
 * with a substitute, the month's leave calendar, each worker's history, import/export. */
import {api} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {fmt, t} from "../lib/i18n.js";
import {codes, fetchRecord, importForm, notice, pagedList, peopleConfig, save,
  showHistory, values} from "./people_common.js";

peopleConfig();
const PATH = "/api/v1/workers";
const editing = {id: null, etag: null};
let leaveFor = null;
let leaveEdit = null;
let month = new Date();
let shown = [];

function masked(phone) {
  return phone && phone.length >= 11 ? phone.slice(0, 3) + "****" + phone.slice(-4) : (phone || "");
}

function button(label, onClick, kind) {
  const b = el("button", {type: "button", className: "btn btn-link btn-sm p-0 me-2 "
    + (kind || ""), text: label});
  b.addEventListener("click", onClick);
  return b;
}

function draw(w) {
  const state = !w.active ? t("left") : (w.on_leave ? t("on_leave") : t("at_work"));
  return el("tr", {"data-id": w.id},
    el("td", {text: w.name}), el("td", {text: t("role_" + w.role, w.role)}),
    el("td", {className: "small", text: (w.grids || []).join(" ")}),
    el("td", {text: w.public_phone || ""}), el("td", {text: masked(w.private_phone)}),
    el("td", {text: w.publish ? t("published") : t("unpublished")}),
    el("td", {className: w.on_leave ? "text-warning" : "", text: state}),
    el("td", {className: "text-nowrap"}, button(t("edit"), () => openEditor(w.id)),
      button(t("leave"), () => openLeave(w)),
      button(t("history"), () => showHistory(PATH + "/" + w.id, w.name)),
      w.active ? button(t("remove"), () => remove(w), "text-danger") : null));
}

const reload = pagedList(PATH, (w) => { shown.push(w); return draw(w); },
  () => { shown = []; return {}; });

function fill(worker) {
  const form = $("editor-form");
  ["name", "role", "public_phone", "private_phone", "hours", "duty_hours"].forEach((k) => {
    form.elements[k].value = worker[k] || (k === "role" ? "full_time" : "");
  });
  form.elements.grids.value = (worker.grids || []).join(";");
  form.elements.duty_days.value = (worker.duty_days || []).join(",");
  form.elements.account.value = worker.account || "";
  form.elements.publish.checked = Boolean(worker.publish);
}

async function openEditor(id) {
  editing.id = id || null;
  editing.etag = null;
  $("editor-title").textContent = id ? t("edit") : t("new_worker");
  if (id) {
    try {
      const got = await fetchRecord(PATH + "/" + id);
      editing.etag = got.etag;
      fill(got.record);
    } catch (err) {
      notice(err.message, "danger");
      return;
    }
  } else {
    fill({});
  }
  $("editor").hidden = false;
  $("f-name").focus();
}

$("add").addEventListener("click", () => openEditor(null));
$("editor-cancel").addEventListener("click", () => { $("editor").hidden = true; });
$("editor-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = values(event.target, true);
  body.grids = codes(body.grids);
  if (!body.account) delete body.account;
  try {
    await save(PATH, editing.id, body, editing.etag);
    $("editor").hidden = true;
    notice(t("saved"), "success");
    reload();
    drawCalendar();
  } catch (err) {
    if (err.status === 412) {
      notice(t("changed_elsewhere"), "warning");
      openEditor(editing.id);
    } else {
      notice(err.message, "danger");
    }
  }
});

/* The leave form: a new leave of `worker`, or (with `leave`) a change of that leave. */
function openLeave(worker, leave) {
  leaveFor = worker;
  leaveEdit = leave || null;
  $("leave-title").textContent = (leave ? t("edit_leave") : t("add_leave")) + " · " + worker.name;
  const others = shown.filter((w) => w.id !== worker.id && w.active);
  const options = others.map((w) => el("option", {value: w.id, text: w.name + " · "
    + (w.grids || []).join(" ")}));
  if (leave && leave.substitute_id && !others.some((w) => w.id === leave.substitute_id)) {
    options.push(el("option", {value: leave.substitute_id, text: leave.substitute_name}));
  }
  replace($("l-substitute"), el("option", {value: "", text: t("no_substitute")}), ...options);
  const form = $("leave-form");
  form.elements.from.value = leave ? leave.starts_on : "";
  form.elements.to.value = leave ? leave.ends_on || "" : "";
  form.elements.substitute.value = leave && leave.substitute_id ? String(leave.substitute_id) : "";
  form.elements.note.value = leave ? leave.note || "" : "";
  $("leave").hidden = false;
  $("l-from").focus();
}

function leavePath(leave) {
  return PATH + "/" + leave.worker_id + "/leave/" + leave.id;
}

async function removeLeave(leave) {
  if (!window.confirm(t("remove_leave_confirm"))) return;
  try {
    await api(leavePath(leave), {method: "DELETE", headers: {"If-Match": leave.etag}});
    notice(t("saved"), "success");
    reload();
    drawCalendar();
  } catch (err) {
    notice(err.status === 412 ? t("changed_elsewhere") : err.message, "danger");
    drawCalendar();
  }
}

function drawLeaveRow(l) {
  return el("tr", {"data-leave": l.id},
    el("td", {text: l.name}), el("td", {text: l.starts_on}),
    el("td", {text: l.ends_on || t("until_further_notice")}),
    el("td", {text: l.substitute_name || t("no_substitute")}),
    el("td", {className: "small", text: l.note || ""}),
    el("td", {className: "text-nowrap"},
      button(t("edit"), () => openLeave({id: l.worker_id, name: l.name}, l)),
      button(t("remove_leave"), () => removeLeave(l), "text-danger")));
}

$("leave-cancel").addEventListener("click", () => { $("leave").hidden = true; });
$("leave-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = values(event.target, Boolean(leaveEdit));
  body.substitute = body.substitute ? Number(body.substitute) : null;
  if (leaveEdit) Object.keys(body).forEach((k) => { if (body[k] === "") body[k] = null; });
  try {
    if (leaveEdit) {
      await api(leavePath(leaveEdit), {method: "PATCH", json: body,
        headers: {"If-Match": leaveEdit.etag}});
    } else {
      await api(PATH + "/" + leaveFor.id + "/leave", {json: body});
    }
    $("leave").hidden = true;
    notice(t("saved"), "success");
    reload();
    drawCalendar();
  } catch (err) {
    notice(err.status === 412 ? t("changed_elsewhere") : err.message, "danger");
    if (err.status === 412) { $("leave").hidden = true; drawCalendar(); }
  }
});

async function remove(worker) {
  if (!window.confirm(t("remove_confirm"))) return;
  try {
    const got = await fetchRecord(PATH + "/" + worker.id);
    await api(PATH + "/" + worker.id, {method: "DELETE", headers: {"If-Match": got.etag}});
    reload();
  } catch (err) {
    notice(err.message, "danger");
  }
}

const iso = (d) => d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-"
  + String(d.getDate()).padStart(2, "0");

function onDay(day, leave) {
  const key = iso(day);
  return leave.filter((l) => l.starts_on <= key && (!l.ends_on || l.ends_on >= key));
}

/* The month as a grid of weeks (Monday first); each day lists who is on leave and who stands in. */
async function drawCalendar() {
  const first = new Date(month.getFullYear(), month.getMonth(), 1);
  let data;
  try {
    data = await api(PATH + "/leave?month=" + iso(first));
  } catch (err) {
    notice(err.message, "danger");
    return;
  }
  $("calendar-month").textContent = data.month;
  const names = t("weekdays").split(",");
  const cells = names.map((n) => el("div", {className: "people-cal-head", text: n}));
  const lead = (first.getDay() + 6) % 7;
  for (let i = 0; i < lead; i += 1) cells.push(el("div", {className: "people-cal-day empty"}));
  const days = new Date(first.getFullYear(), first.getMonth() + 1, 0).getDate();
  for (let d = 1; d <= days; d += 1) {
    const day = new Date(first.getFullYear(), first.getMonth(), d);
    const items = onDay(day, data.leave).map((l) => el("div", {className: "people-cal-item",
      text: l.substitute_name ? fmt(t("substitute_for"), {name: l.name, sub: l.substitute_name})
        : fmt(t("leave_alone"), {name: l.name})}));
    cells.push(el("div", {className: "people-cal-day" + (items.length ? " busy" : "")},
      el("div", {className: "people-cal-date", text: String(d)}), ...items));
  }
  replace($("calendar"), ...cells);
  replace($("leave-list"), ...data.leave.map(drawLeaveRow));
}

$("month-prev").addEventListener("click", () => {
  month = new Date(month.getFullYear(), month.getMonth() - 1, 1);
  drawCalendar();
});
$("month-next").addEventListener("click", () => {
  month = new Date(month.getFullYear(), month.getMonth() + 1, 1);
  drawCalendar();
});

importForm(reload);
reload();
drawCalendar();
