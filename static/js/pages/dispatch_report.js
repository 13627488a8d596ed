/* A resident report in the console's incident panel (/dispatch): the reference the resident
 * was given, their photo (a staff-only route; each read is audited) and the public reply
 * (答复) they read on their report page (PUT /api/v1/incidents/<id>/public-note). */
import {el} from "../lib/dom.js";
import {api} from "../lib/http.js";

const NOTE_MAX = 500;

/* The section, or null for an incident no resident reported. ctx: {T, when, panelAlert}. */
export function residentReport(inc, ctx) {
  const report = inc.resident_report;
  if (!report) return null;
  const {T, when} = ctx;
  const note = el("textarea", {className: "form-control form-control-sm", id: "public-note",
                               rows: 2, maxlength: NOTE_MAX,
                               placeholder: T.public_note_placeholder});
  note.value = report.public_note || "";
  const stamp = el("div", {className: "form-text mt-0", id: "public-note-at"},
                   report.public_note_at ? T.public_note_at + " " + when(report.public_note_at)
                     : T.public_note_none);
  const save = el("button", {type: "button", className: "btn btn-sm btn-outline-primary mt-1",
                             id: "public-note-save"}, T.public_note_save);
  save.addEventListener("click", () => publish(inc.id, note, stamp, save, ctx));
  return el("section", {className: "resident-report mb-2", "aria-labelledby": "report-title"},
    el("h3", {className: "h6 small text-muted mb-1", id: "report-title"},
       T.resident_report + " ", el("code", {}, report.reference)),
    report.photo ? el("a", {href: "/api/v1/incidents/" + inc.id + "/photo", target: "_blank",
                            rel: "noopener", className: "d-block mb-1"},
                      el("img", {src: "/api/v1/incidents/" + inc.id + "/photo",
                                 alt: T.report_photo, id: "report-photo",
                                 className: "report-photo rounded border"})) : null,
    el("label", {className: "form-label small mb-0", for: "public-note"}, T.public_note),
    note, stamp, save);
}

async function publish(id, note, stamp, save, ctx) {
  const {T, when, panelAlert} = ctx;
  save.disabled = true;
  try {
    const text = note.value.trim();
    const answer = await api("/api/v1/incidents/" + id + "/public-note",
                             {method: "PUT", json: {public_note: text || null}});
    stamp.textContent = answer.public_note_at
      ? T.public_note_at + " " + when(answer.public_note_at) : T.public_note_none;
    panelAlert("success", T.public_note_saved);
  } catch (err) {
    panelAlert("danger", T.error + err.message);
  } finally {
    save.disabled = false;
  }
}
