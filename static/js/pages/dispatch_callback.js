/* The dispatcher console's call-back (回访) section of an incident: the ratings of its
 * closures (the reporter's own, or recorded from a phone call) and, while it is closed and
 * the closure not yet rated, a form to record a phone call-back. Every text from the server
 * is placed as text. */
import {el} from "../lib/dom.js";
import {api} from "../lib/http.js";

const RATINGS = ["satisfied", "fair", "unsatisfied"];

/* ctx: {T, label, when, openIncident, panelAlert, refreshLists}; inc: the incident as the API gives it. */
export function callbackSection(ctx, inc) {
  const {T, label, when} = ctx;
  const ratings = inc.ratings || [];
  const list = el("ul", {className: "list-unstyled small mb-1", id: "incident-ratings"},
    ...ratings.map((r) => el("li", {},
      el("span", {className: "fw-semibold"}, label("rating_" + r.rating, r.rating)), " · ",
      label("channel_" + r.channel, r.channel), " · ", when(r.at),
      r.reopened ? el("span", {className: "badge text-bg-warning ms-1"}, T.rating_reopened)
                 : null,
      r.comment ? el("div", {className: "history-note"}, r.comment) : null)));
  const parts = [el("h3", {className: "h6 small text-muted mb-1", id: "callback-title"},
                    T.callback), ratings.length ? list : el("p", {className: "small text-muted mb-1"},
                                                            T.no_rating)];
  // One rating per closure: the form only while this closure has none.
  const rated = ratings.some((r) => new Date(r.at) >= new Date(inc.closed_at));
  if (inc.status === "closed" && !rated) parts.push(form(ctx, inc));
  return el("section", {className: "mb-2", "aria-labelledby": "callback-title"}, ...parts);
}

function form(ctx, inc) {
  const {T, label} = ctx;
  const select = el("select", {className: "form-select form-select-sm", id: "callback-rating"},
    el("option", {value: ""}, T.choose_rating),
    ...RATINGS.map((r) => el("option", {value: r}, label("rating_" + r, r))));
  const comment = el("input", {className: "form-control form-control-sm",
                               id: "callback-comment", maxLength: 500,
                               placeholder: T.callback_comment});
  const send = el("button", {type: "submit", className: "btn btn-sm btn-outline-primary",
                             id: "callback-send"}, T.record_callback);
  const box = el("form", {className: "d-flex flex-wrap gap-1", id: "callback-form"},
                 el("label", {className: "visually-hidden", for: "callback-rating"}, T.callback),
                 select, comment, send);
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!select.value) { ctx.panelAlert("warning", T.choose_rating); return; }
    send.disabled = true;
    try {
      await api("/api/v1/incidents/" + inc.id + "/callbacks",
                {json: {rating: select.value, comment: comment.value.trim() || null}});
      ctx.openIncident(inc.id);
      ctx.refreshLists();  // an unsatisfied rating may have reopened it
    } catch (err) {
      send.disabled = false;
      ctx.panelAlert("danger", T.error + err.message);
    }
  });
  return box;
}
