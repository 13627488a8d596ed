/* The public map's forms for residents (/map): report a problem at the place looked up,
 * and check a report's progress by its reference. Loaded by ./public_map.js when first
 * used, and given its state and helpers. Every text from the server is placed as text. */
import {$, el, replace} from "../lib/dom.js";
import {dateTime} from "../lib/format.js";
import {fmt} from "../lib/i18n.js";
import {loopParts} from "./public_callback.js";

/* ctx: {state, T, config, notice, api, errorText} of the public map. */
export function reportForms(ctx) {
  const {state, T, config, notice, api, errorText} = ctx;
  const when = (iso) => dateTime(iso, "full", "—");

  async function showReport() {
    $("status").hidden = true;
    $("report").hidden = false;
    $("report-form").hidden = false;
    $("report-done").hidden = true;
    const p = state.place;
    if (!p) {
      $("report-where").textContent = T.report_need_place;
      $("report-submit").disabled = true;
    } else {
      $("report-where").textContent = [p.label, p.grid ? p.grid.name : null,
        p.lat.toFixed(5) + ", " + p.lon.toFixed(5)].filter(Boolean).join(" · ");
      $("report-submit").disabled = false;
    }
    if (!state.formToken) {
      const answer = await api("/api/v1/reports/form");
      if (answer.status === 200) state.formToken = answer.body.form_token;
    }
  }

  async function sendReport() {
    const form = $("report-form");
    const p = state.place;
    if (!p) { notice(T.report_need_place, true); return; }
    if (!$("report-category").value) {
      $("report-category").focus();
      notice(T.choose_category, true);
      return;
    }
    if (!$("report-description").value.trim()) {
      $("report-description").focus();
      notice(T.description_placeholder, true);
      return;
    }
    const file = $("report-photo").files[0];
    if (file && file.size > config.photoMaxBytes) {
      notice(fmt(T.photo_too_big, {mb: Math.floor(config.photoMaxBytes / 1048576)}), true);
      return;
    }
    const data = new FormData(form);
    if (!file) data.delete("photo");
    data.set("lon", p.lon.toFixed(7));
    data.set("lat", p.lat.toFixed(7));
    data.set("form_token", state.formToken || "");
    $("report-submit").disabled = true;
    notice(T.sending);
    const answer = await api("/api/v1/reports", {method: "POST", body: data});
    $("report-submit").disabled = false;
    state.formToken = null;  // one token per report; a fresh one for the next
    if (answer.status !== 201) {
      notice(errorText(answer), true);
      const again = await api("/api/v1/reports/form");
      if (again.status === 200) state.formToken = again.body.form_token;
      return;
    }
    notice("");
    form.reset();
    form.hidden = true;
    const done = $("report-done");
    replace(done, el("p", null, T.sent),
            el("p", {className: "pm-muted"}, T.reference),
            el("p", {className: "reference", id: "report-reference"}, answer.body.reference),
            el("p", {className: "pm-muted"}, T.keep_reference));
    done.hidden = false;
  }

  async function checkStatus() {
    const ref = $("status-ref").value.trim();  // re-read after a rating or confirmation
    if (!ref) return;
    const answer = await api("/api/v1/reports/" + encodeURIComponent(ref));
    const out = $("status-result");
    if (answer.status === 404) { replace(out, el("p", null, T.status_none)); return; }
    if (answer.status !== 200) { replace(out, el("p", null, errorText(answer))); return; }
    const s = answer.body;
    const rows = [
      el("dt", null, T.reference), el("dd", null, s.reference),
      el("dt", null, T.category), el("dd", null, config.categories[s.category] || s.category),
      el("dt", null, T.reported_at), el("dd", null, when(s.reported_at)),
    ];
    if (s.closed_at) rows.push(el("dt", null, T.closed_at), el("dd", null, when(s.closed_at)));
    rows.push(el("dt", null, T.public_note),
              el("dd", {id: "status-note"}, s.public_note || T.no_note));
    replace(out,
      el("p", null, el("span", {className: "state state-" + (s.state === "closed" ? "closed"
                                                                                  : "open"),
                                id: "status-state"},
                           s.state === "closed" ? T.state_closed : T.state_open)),
      el("dl", {className: "status-table"}, ...rows),
      ...loopParts(ctx, s, checkStatus));
  }

  return {showReport, sendReport, checkStatus};
}
