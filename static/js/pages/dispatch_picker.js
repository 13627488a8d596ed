/* The console's worker picker (/dispatch): whom 派遣 (dispatch) or 改派 (reassign) gives the
 * incident to. The candidates come from GET /api/v1/incidents/<id>/candidates: the grid's
 * workers first, then the community's, each with their state now — on duty, on leave (and
 * who stands in) or off hours — and the open work they hold. */
import {el} from "../lib/dom.js";
import {api} from "../lib/http.js";
import {fmt} from "../lib/i18n.js";

/* One option's words: name · role · state (· substitute) · open work. */
export function describe(c, T, roleText, current) {
  const parts = [c.name, roleText(c.role), T["duty_" + c.duty] || c.duty];
  if (c.substitute) parts.push(fmt(T.substitute, {name: c.substitute.name}));
  parts.push(fmt(T.open_work, {n: c.open_work}));
  if (current) parts.push(T.current);
  return parts.join(" · ");
}

/* A labelled <select id="action-assignee">, filled when the candidates arrive. For a
   dispatch the first choice keeps the routed worker; for a reassign the current one
   cannot be chosen. */
export function workerPicker(inc, T, roleText) {
  const reassigning = !(inc.allowed_actions || []).includes("dispatch");
  const select = el("select", {className: "form-select form-select-sm", id: "action-assignee",
                               "aria-busy": "true"},
                    el("option", {value: ""}, reassigning ? T.pick_worker
                       : (inc.assignee_name ? inc.assignee_name + " · " + T.keep_routed
                          : T.keep_routed)));
  const hint = el("div", {className: "form-text mt-0", id: "assignee-hint"});
  api("/api/v1/incidents/" + inc.id + "/candidates").then((answer) => {
    select.append(...candidateGroups(answer, T, roleText, reassigning));
    if (!answer.candidates.length) hint.textContent = T.no_candidates;
    select.removeAttribute("aria-busy");
  }).catch((err) => {
    hint.textContent = T.error + err.message;
    select.removeAttribute("aria-busy");
  });
  return el("div", {className: "mb-1 action-picker"},
            el("label", {className: "form-label small mb-0", for: "action-assignee"},
               T.assign_to),
            select, hint);
}

/* <optgroup>s of the candidates (the grid's, then the community's); with ``reassigning``
   the current worker is shown but cannot be chosen. */
export function candidateGroups(answer, T, roleText, reassigning) {
  const groups = [[T.in_grid, answer.candidates.filter((c) => c.in_grid)],
                  [T.in_community, answer.candidates.filter((c) => !c.in_grid)]];
  return groups.filter(([, list]) => list.length).map(([name, list]) =>
    el("optgroup", {label: name}, ...list.map((c) => el("option", {
      value: c.id, "data-duty": c.duty, disabled: reassigning && c.id === answer.assignee_id},
      describe(c, T, roleText, c.id === answer.assignee_id)))));
}

/* A <select id="action-priority"> with the incident's priority chosen. */
export function priorityPicker(inc, T, label) {
  return el("select", {className: "form-select", id: "action-priority"},
            ...[1, 2, 3].map((p) => el("option", {value: p, selected: p === inc.priority},
                                       label("priority_" + p, String(p)))));
}
