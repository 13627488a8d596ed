/* /admin/people/departments: departments and resident units — list, search, add, edit,
 * retire, history, import and export. */
import {api} from "../lib/http.js";
import {$, el} from "../lib/dom.js";
import {t} from "../lib/i18n.js";
import {codes, fetchRecord, importForm, notice, pagedList, peopleConfig, save,
  showHistory, values} from "./people_common.js";

peopleConfig();
const PATH = "/api/v1/departments";
const editing = {id: null, etag: null};

function button(label, onClick, kind) {
  const b = el("button", {type: "button", className: "btn btn-link btn-sm p-0 me-2 "
    + (kind || ""), text: label});
  b.addEventListener("click", onClick);
  return b;
}

async function retire(d) {
  if (!window.confirm(t("remove_confirm"))) return;
  try {
    const got = await fetchRecord(PATH + "/" + d.id);
    await api(PATH + "/" + d.id, {method: "DELETE", headers: {"If-Match": got.etag}});
    reload();
  } catch (err) {
    notice(err.message, "danger");
  }
}

function draw(d) {
  return el("tr", {"data-id": d.id},
    el("td", {text: d.name}), el("td", {text: t("kind_" + d.kind, d.kind)}),
    el("td", {text: d.contact_name || ""}), el("td", {text: d.contact_phone || ""}),
    el("td", {className: "small", text: d.communities.join(" ")}),
    el("td", {className: "small", text: d.categories.join("、")}),
    el("td", {className: "text-nowrap"}, button(t("edit"), () => openEditor(d.id)),
      button(t("history"), () => showHistory(PATH + "/" + d.id, d.name)),
      button(t("remove"), () => retire(d), "text-danger")));
}

const reload = pagedList(PATH, draw);

async function openEditor(id) {
  editing.id = id || null;
  editing.etag = null;
  let unit = {kind: "department", communities: [], categories: []};
  if (id) {
    try {
      const got = await fetchRecord(PATH + "/" + id);
      editing.etag = got.etag;
      unit = got.record;
    } catch (err) {
      notice(err.message, "danger");
      return;
    }
  }
  const form = $("editor-form");
  $("editor-title").textContent = id ? t("edit") : t("new_department");
  ["name", "kind", "contact_name", "contact_phone"].forEach((k) => {
    form.elements[k].value = unit[k] || "";
  });
  form.elements.communities.value = unit.communities.join(";");
  form.elements.categories.value = unit.categories.join(";");
  form.elements.streets.value = "";
  $("editor").hidden = false;
  $("f-name").focus();
}

$("add").addEventListener("click", () => openEditor(null));
$("editor-cancel").addEventListener("click", () => { $("editor").hidden = true; });
$("editor-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = values(event.target, true);
  body.communities = codes(body.communities);
  body.streets = codes(body.streets);
  body.categories = body.categories.split(/[;；,，、]+/).map((c) => c.trim()).filter(Boolean);
  try {
    await save(PATH, editing.id, body, editing.etag);
    $("editor").hidden = true;
    notice(t("saved"), "success");
    reload();
  } catch (err) {
    notice(err.status === 412 ? t("changed_elsewhere") : err.message, "danger");
  }
});

importForm(reload);
reload();
