/* The console's bulk assigning (/dispatch): checkboxes on the queue's rows, and one action
 * (派遣 or 改派 to one worker) posted for the selected incidents at once
 * (POST /api/v1/incidents/bulk-actions). The server acts on each incident in its own
 * transaction and answers a result per row; every refused row is listed with its reason,
 * and stays selected so it can be looked at. */
import {$, el} from "../lib/dom.js";
import {api} from "../lib/http.js";
import {fmt} from "../lib/i18n.js";
import {candidateGroups} from "./dispatch_picker.js";

/* {T, roleText, refresh} of the console → {checkbox(inc), shown(incidents)}. The workers
   offered are the candidates of the first selected incident (its grid's first). */
export function bulkBar({T, roleText, refresh}) {
  const selected = new Set();
  let pageIds = [];
  let offeredFor = null;

  async function offer() {
    const first = selected.values().next().value;
    if (first === undefined || first === offeredFor) return;
    offeredFor = first;
    const answer = await api("/api/v1/incidents/" + first + "/candidates");
    if (offeredFor !== first) return;
    const keep = $("bulk-worker").value;
    $("bulk-worker").replaceChildren(el("option", {value: ""}, T.pick_worker),
                                     ...candidateGroups(answer, T, roleText, false));
    $("bulk-worker").value = keep;
  }

  function update() {
    offer().catch((err) => {
      offeredFor = null;
      $("bulk-results").replaceChildren(el("li", {className: "text-danger"},
                                           T.error + err.message));
    });
    $("bulk").hidden = selected.size === 0 && !$("bulk-results").childElementCount;
    $("bulk-count").textContent = fmt(T.bulk_count, {n: selected.size});
    $("bulk-go").disabled = selected.size === 0;
    const all = $("queue-all");
    all.checked = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
    all.indeterminate = !all.checked && pageIds.some((id) => selected.has(id));
  }

  function checkbox(inc) {
    const box = el("input", {type: "checkbox", className: "form-check-input",
                             "data-id": inc.id, checked: selected.has(inc.id),
                             "aria-label": fmt(T.select_row, {id: inc.id})});
    box.addEventListener("change", () => {
      if (box.checked) selected.add(inc.id); else selected.delete(inc.id);
      update();
    });
    return box;
  }

  /* A row's result in the page's language; a status conflict names the status. */
  function outcome(r) {
    if (r.ok) return fmt(T.bulk_ok, {id: r.id});
    if (r.code === "illegal_transition" && r.details && r.details.status) {
      return fmt(T.bulk_conflict, {id: r.id, status: T[r.details.status] || r.details.status});
    }
    return fmt(T.bulk_failed, {id: r.id, message: r.status + " " + r.message});
  }

  function shown(incidents) {
    pageIds = incidents.map((inc) => inc.id);
    update();
  }

  function setAll(on) {
    pageIds.forEach((id) => { if (on) selected.add(id); else selected.delete(id); });
    document.querySelectorAll("#queue-rows .queue-check input").forEach((box) => {
      box.checked = on;
    });
    update();
  }

  async function submit(event) {
    event.preventDefault();
    const worker = $("bulk-worker").value;
    const list = $("bulk-results");
    if (!worker) {
      list.replaceChildren(el("li", {className: "text-danger"}, T.pick_worker_first));
      $("bulk-worker").focus();
      return;
    }
    const action = $("bulk-action").value;
    $("bulk-go").disabled = true;
    try {
      const answer = await api("/api/v1/incidents/bulk-actions", {json: {
        ids: Array.from(selected), action: action, assignee: Number(worker)}});
      list.replaceChildren(el("li", {className: "fw-semibold"},
                              fmt(T.bulk_done, answer)),
        ...answer.results.map((r) => el("li", {
          className: r.ok ? "text-success" : "text-danger", "data-id": r.id,
          "data-status": r.status},
          outcome(r))));
      answer.results.forEach((r) => { if (r.ok) selected.delete(r.id); });
      refresh();
    } catch (err) {
      list.replaceChildren(el("li", {className: "text-danger"}, T.error + err.message));
    } finally {
      update();
    }
  }

  $("queue-all").addEventListener("change", (e) => setAll(e.target.checked));
  $("bulk").addEventListener("submit", submit);
  $("bulk-clear").addEventListener("click", () => {
    selected.clear();
    $("bulk-results").replaceChildren();
    setAll(false);
  });
  return {checkbox, shown};
}
