/* The list of redraw plans and the form that starts one (/plans, app/web/planner.py).
 * Texts from the server are placed with textContent only. Plain ES2017, no build step. */
(function () {
  "use strict";
  const {$, el} = window.gridmap;

  const config = JSON.parse(document.getElementById("plans-config").textContent);
  const T = config.texts;
  const CSRF = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  const LOCALE = config.lang === "en" ? "en-GB" : "zh-CN";

  function notice(text, kind) {
    const box = $("notice");
    box.replaceChildren(el("div", {class: "alert alert-" + (kind || "danger") + " py-1", text}));
  }

  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, Object.assign({credentials: "same-origin"}, options));
    } catch (err) {
      throw new Error(T.network);
    }
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    if (response.status === 401) throw new Error(T.signed_out);
    if (!response.ok) {
      const e = (body && body.error) || {};
      const details = e.details && e.details.errors ? " " + JSON.stringify(e.details.errors).slice(0, 300) : "";
      throw new Error((e.message || response.statusText) + details);
    }
    return body;
  }

  function editorUrl(id) {
    return config.editor + "/" + id + (config.lang === "en" ? "?lang=en" : "");
  }

  async function load() {
    const rows = $("plans-rows");
    try {
      const body = await api("/api/v1/plans?limit=500");
      if (!body.plans.length) {
        rows.replaceChildren(el("tr", {}, el("td", {colspan: "7", class: "text-muted", text: T.no_plans})));
        return;
      }
      rows.replaceChildren(...body.plans.map((p) => {
        const link = el("a", {href: editorUrl(p.id), text: p.name});
        const changed = p.updated_at ? new Date(p.updated_at).toLocaleString(LOCALE) : "";
        return el("tr", {"data-plan": String(p.id), class: "plan-row"},
          el("td", {text: String(p.id)}), el("td", {}, link),
          el("td", {}, el("span", {class: "badge " + (p.status === "draft" ? "bg-secondary" : "bg-success"),
                                   text: T["status_" + p.status] || p.status})),
          el("td", {text: p.community.name + " " + p.community.code}),
          el("td", {text: String(p.grids)}), el("td", {text: p.created_by || T.none}),
          el("td", {text: changed}));
      }));
    } catch (err) {
      notice(T.error + err.message);
    }
  }

  function source() {
    return document.querySelector('input[name="source"]:checked').value;
  }

  function showFields() {
    $("file-fields").hidden = source() !== "file";
    $("auto-fields").hidden = source() !== "auto";
  }

  async function create(event) {
    event.preventDefault();
    const community = $("create-community").value;
    const name = $("create-name").value.trim();
    const headers = {"X-CSRFToken": CSRF};
    let path = "/api/v1/plans";
    let body;
    if (source() === "file") {
      const file = $("create-file").files[0];
      if (!file) { notice(T.error + T.file); return; }
      body = new FormData();
      body.append("file", file);
      body.append("community", community);
      body.append("name", name);
      if ($("create-code-field").value.trim()) body.append("code_field", $("create-code-field").value.trim());
    } else {
      headers["Content-Type"] = "application/json";
      const fields = {community, name};
      if (source() === "auto") {
        path = "/api/v1/plans/auto";
        if (document.querySelector('input[name="auto_by"]:checked').value === "grids") {
          fields.grids = Number($("auto-grids").value);
        } else {
          fields.band = [Number($("auto-min").value), Number($("auto-max").value)];
        }
      } else {
        fields.source = "current";
      }
      body = JSON.stringify(fields);
    }
    $("create-submit").disabled = true;
    notice(T.creating, "info");
    try {
      const plan = await api(path, {method: "POST", headers, body});
      window.location.assign(editorUrl(plan.id));
    } catch (err) {
      notice(T.error + err.message);
      $("create-submit").disabled = false;
    }
  }

  if (config.canWrite) {
    document.querySelectorAll('input[name="source"]').forEach((r) => r.addEventListener("change", showFields));
    $("create-form").addEventListener("submit", create);
    showFields();
  }
  load();
})();
