/* What the people pages share: the paged, searchable list; the import form with its
 * per-row report; a record's history; notices; reading a form. The server's refusals
 * (an import's rows, a form's fields) are said in the page's language with the reasons
 * table of the page's config (app/web/reasons.py, lib/reasons.js). */
import {api, query, request} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {dateTime} from "../lib/format.js";
import {fmt, pageConfig, t} from "../lib/i18n.js";
import {sayReason} from "../lib/reasons.js";

export const PAGE = 50;
let reasons = null;

/* The page's config (read once, as pageConfig), keeping its reasons table. */
export function peopleConfig() {
  const config = pageConfig("people-config");
  reasons = config.reasons || null;
  return config;
}

/* A server's message (English) in the page's language. */
export const say = (message) => sayReason(message, reasons);

/* A notice; a "danger" one is a server's refusal, said in the page's language. */
export function notice(text, kind) {
  const said = kind === "danger" ? say(text) : text;
  replace($("notice"), text ? el("div", {className: "alert py-1 px-2 small alert-"
    + (kind || "info"), text: said}) : null);
}

/* A list at `path` (a function of {q, limit, offset}), drawn by draw(items) into #rows;
   search, paging and total wired. Returns reload(). */
export function pagedList(path, draw, extra) {
  const state = {offset: 0, q: ""};
  async function reload() {
    try {
      const data = await api(path + "?" + query(Object.assign(
        {q: state.q, limit: PAGE, offset: state.offset}, extra ? extra() : {})));
      $("total").textContent = fmt(t("total"), {total: data.total});
      $("prev").disabled = state.offset === 0;
      $("next").disabled = state.offset + PAGE >= data.total;
      const rows = data.items.map(draw);
      replace($("rows"), ...(rows.length ? rows
        : [el("tr", {}, el("td", {colspan: 9, className: "text-muted", text: t("empty")}))]));
    } catch (err) {
      notice(err.message, "danger");
    }
  }
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = $("q").value.trim();
    state.offset = 0;
    reload();
  });
  $("prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE); reload(); });
  $("next").addEventListener("click", () => { state.offset += PAGE; reload(); });
  return reload;
}

/* The import form: posts the file, shows the counts and each bad row's number and reason. */
export function importForm(afterWrite) {
  const form = $("import-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new FormData();
    body.append("file", $("import-file").files[0]);
    body.append("encoding", $("import-encoding").value);
    body.append("dry_run", $("import-dry").checked ? "true" : "false");
    body.append("store_good", $("import-good").checked ? "true" : "false");
    replace($("import-report"), t("loading"));
    try {
      const report = await api("/api/v1/people/" + form.dataset.kind + "/import", {body});
      const head = fmt(t("import_report"), report) + (report.dry_run ? t("import_dry") : "");
      const problems = report.problems.slice(0, 200).map((p) =>
        el("li", {}, fmt(t("row"), {row: p.row}) + ": " + say(p.reason)));
      replace($("import-report"), el("div", {className: report.bad ? "text-danger" : "text-success",
        text: head}), problems.length ? el("ul", {className: "mb-0"}, ...problems) : null);
      if (report.written) afterWrite();
    } catch (err) {
      replace($("import-report"), el("div", {className: "text-danger", text: say(err.message)}));
    }
  });
}

function changes(entry) {
  const after = entry.after || {};
  const before = entry.before || {};
  return Object.keys(after).filter((k) => k !== "id").map((k) =>
    k + ": " + (before[k] === undefined ? "" : JSON.stringify(before[k]) + " → ")
      + JSON.stringify(after[k])).join("; ");
}

/* The history dialog of the record at `path` (…/history), titled `title`. */
export async function showHistory(path, title) {
  $("history-title").textContent = t("history") + " · " + title;
  replace($("history-body"), t("loading"));
  $("history-dialog").showModal();
  try {
    const data = await api(path + "/history");
    const rows = data.entries.map((e) => el("tr", {},
      el("td", {text: dateTime(e.at, "full")}), el("td", {text: e.actor}),
      el("td", {text: e.action}), el("td", {className: "people-changes", text: changes(e)})));
    replace($("history-body"), rows.length ? el("table", {className: "table table-sm"},
      el("thead", {}, el("tr", {}, ...["at", "by", "action", "changes"].map((k) =>
        el("th", {scope: "col", text: t(k)})))), el("tbody", {}, ...rows))
      : t("history_empty"));
  } catch (err) {
    replace($("history-body"), err.message);
  }
}

/* A form's named fields as {name: value}; checkboxes as booleans; "" left out unless keep. */
export function values(form, keep) {
  const out = {};
  Array.from(form.elements).forEach((field) => {
    if (!field.name) return;
    if (field.type === "checkbox") out[field.name] = field.checked;
    else if (field.value !== "" || keep) out[field.name] = field.value.trim();
  });
  return out;
}

/* A record and its ETag, as the editor opens it. */
export async function fetchRecord(path) {
  const answer = await request(path);
  return {record: answer.data, etag: answer.headers.get("ETag")};
}

/* Save a record: POST `path` when new, else PATCH `path/id` with the ETag the editor read
   (a change made meanwhile by someone else is refused with 412, not overwritten). */
export function save(path, id, body, etag) {
  if (!id) return api(path, {json: body});
  return api(path + "/" + id, {method: "PATCH", json: body, headers: {"If-Match": etag}});
}

/* A list of codes typed with ; , 、 or spaces. */
export const codes = (text) => (text || "").split(/[;；,，、\s]+/).filter(Boolean);
