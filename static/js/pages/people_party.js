/* /admin/people/party: party members (pending 双报到 registrations first, confirm or
 * decline), add and edit, history; the organisation tree and new organisations; import
 * and export. */
import {api} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {t} from "../lib/i18n.js";
import {fetchRecord, importForm, notice, pagedList, peopleConfig, save, showHistory,
  values} from "./people_common.js";

peopleConfig();
const PATH = "/api/v1/party/members";
const editing = {id: null, etag: null};
let orgs = [];
let orgEdit = null;

function button(label, onClick) {
  const b = el("button", {type: "button", className: "btn btn-link btn-sm p-0 me-2", text: label});
  b.addEventListener("click", onClick);
  return b;
}

async function decide(member, action) {
  try {
    const got = await fetchRecord(PATH + "/" + member.id);
    await api(PATH + "/" + member.id + "/registration", {json: {action},
      headers: {"If-Match": got.etag}});
    notice(t("saved"), "success");
    reload();
    drawOrgs();
  } catch (err) {
    notice(err.message, "danger");
  }
}

function draw(m) {
  const pending = m.status === "pending";
  return el("tr", {"data-id": m.id},
    el("td", {text: m.name}), el("td", {text: t("kind_" + m.kind, m.kind)}),
    el("td", {text: m.work_unit || ""}), el("td", {className: "small", text: m.serving_grid || ""}),
    el("td", {className: "small", text: m.org_name || ""}),
    el("td", {className: pending ? "text-warning fw-semibold" : "",
      text: t("status_" + m.status, m.status)}),
    el("td", {text: m.left_on || ""}),
    el("td", {className: "text-nowrap"},
      pending ? button(t("confirm"), () => decide(m, "confirm")) : null,
      pending ? button(t("decline"), () => decide(m, "decline")) : null,
      button(t("edit"), () => openEditor(m.id)),
      button(t("history"), () => showHistory(PATH + "/" + m.id, m.name))));
}

const reload = pagedList(PATH, draw, () => ({status: $("status").value}));
$("status").addEventListener("change", () => reload());

function orgOptions(select, none) {
  replace(select, el("option", {value: "", text: none}),
    ...orgs.map((o) => el("option", {value: o.id, text: "\u3000".repeat(o.depth) + o.name})));
}

async function drawOrgs() {
  try {
    orgs = (await api("/api/v1/party/orgs")).orgs;
  } catch (err) {
    notice(err.message, "danger");
    return;
  }
  replace($("orgs"), ...orgs.map((o) => el("tr", {"data-org": o.id},
    el("td", {className: "people-tree-" + o.depth, text: "\u3000".repeat(o.depth) + o.name}),
    el("td", {text: t("level_" + o.level, o.level)}),
    el("td", {className: "small", text: o.building || o.grid || o.community || ""}),
    el("td", {text: String(o.members)}),
    el("td", {className: "text-nowrap"}, button(t("edit"), () => editOrg(o)),
      button(t("remove_org"), () => removeOrg(o))))));
  orgOptions($("o-parent"), t("none"));
  orgOptions($("f-org"), t("none"));
}

async function openEditor(id) {
  editing.id = id || null;
  editing.etag = null;
  const form = $("editor-form");
  let member = {kind: "resident"};
  if (id) {
    try {
      const got = await fetchRecord(PATH + "/" + id);
      editing.etag = got.etag;
      member = got.record;
    } catch (err) {
      notice(err.message, "danger");
      return;
    }
  }
  $("editor-title").textContent = id ? t("edit") : t("new_member");
  ["name", "kind", "work_unit", "phone", "home_building", "serving_grid", "left_on"].forEach(
    (k) => { form.elements[k].value = member[k] || ""; });
  form.elements.org.value = member.org ? String(member.org) : "";
  $("editor").hidden = false;
  $("f-name").focus();
}

$("add").addEventListener("click", () => openEditor(null));
$("editor-cancel").addEventListener("click", () => { $("editor").hidden = true; });
$("editor-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = values(event.target, Boolean(editing.id));
  body.org = body.org ? Number(body.org) : null;
  Object.keys(body).forEach((k) => { if (body[k] === "") body[k] = null; });
  try {
    await save(PATH, editing.id, body, editing.etag);
    $("editor").hidden = true;
    notice(t("saved"), "success");
    reload();
    drawOrgs();
  } catch (err) {
    notice(err.status === 412 ? t("changed_elsewhere") : err.message, "danger");
  }
});

const ORG_FIELDS = ["name", "level", "parent", "community", "grid"];

/* The organisation form changes `org` (sending only the fields edited) until saved or cancelled. */
function editOrg(org) {
  orgEdit = org;
  const form = $("org-form");
  ORG_FIELDS.forEach((k) => { form.elements[k].value = org[k] == null ? "" : String(org[k]); });
  $("org-submit").textContent = t("save");
  $("org-cancel").hidden = false;
  $("o-name").focus();
}

function endOrgEdit() {
  orgEdit = null;
  $("org-form").reset();
  $("org-submit").textContent = t("add");
  $("org-cancel").hidden = true;
}

function orgChanges(form) {
  const body = {};
  ORG_FIELDS.forEach((k) => {
    const now = form.elements[k].value.trim();
    if (now !== (orgEdit[k] == null ? "" : String(orgEdit[k]))) body[k] = now === "" ? null : now;
  });
  if (body.parent) body.parent = Number(body.parent);
  return body;
}

async function removeOrg(org) {
  if (!window.confirm(t("remove_org_confirm"))) return;
  try {
    await api("/api/v1/party/orgs/" + org.id, {method: "DELETE", headers: {"If-Match": org.etag}});
    notice(t("saved"), "success");
  } catch (err) {
    notice(err.status === 412 ? t("changed_elsewhere") : err.message, "danger");
  }
  drawOrgs();
}

$("org-cancel").addEventListener("click", endOrgEdit);
$("org-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = orgEdit ? orgChanges(event.target) : values(event.target);
  if (body.parent) body.parent = Number(body.parent);
  try {
    if (orgEdit) {
      await api("/api/v1/party/orgs/" + orgEdit.id, {method: "PATCH", json: body,
        headers: {"If-Match": orgEdit.etag}});
    } else {
      await api("/api/v1/party/orgs", {json: body});
    }
    endOrgEdit();
    notice(t("saved"), "success");
    drawOrgs();
  } catch (err) {
    notice(err.status === 412 ? t("changed_elsewhere") : err.message, "danger");
    if (err.status === 412) { endOrgEdit(); drawOrgs(); }
  }
});

importForm(() => { reload(); drawOrgs(); });
drawOrgs();
reload();
