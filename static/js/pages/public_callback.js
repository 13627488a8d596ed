/* The resident's side of closing the loop, on their report's status (/map, "check
 * progress"): the report's progress (status changes and staff replies, never who), the
 * "is it fixed?" confirmation where the category is verified by the reporter, and the
 * call-back rating (回访) once it is closed. Every text from the server is placed as text. */
import {el} from "../lib/dom.js";
import {dateTime} from "../lib/format.js";
import {fmt} from "../lib/i18n.js";

const RATINGS = ["satisfied", "fair", "unsatisfied"];

/* ctx: {T, api, errorText, notice}; s: the report's status; again(): show it anew. */
export function loopParts(ctx, s, again) {
  const {T} = ctx;
  const parts = [timeline(T, s)];
  if (s.can_confirm) parts.push(confirmForm(ctx, s, again));
  if (s.can_rate) parts.push(rateForm(ctx, s, again));
  if (s.rating) {
    parts.push(el("p", {id: "status-rated", className: "pm-muted"},
                  fmt(T.rated, {rating: T["rating_" + s.rating]})));
  }
  return parts;
}

function timeline(T, s) {
  const items = s.timeline.map((t) => el("li", null,
    el("small", null, dateTime(t.at, "full", "—")), " ",
    t.reply ? el("span", {className: "reply"}, T.reply + T.sep + t.reply)
            : el("span", null, T["st_" + t.status] || t.status)));
  return el("section", {id: "status-timeline"}, el("h3", null, T.progress),
            el("ol", {className: "pm-timeline"}, ...items));
}

async function send(ctx, path, json, again) {
  const answer = await ctx.api(path, {method: "POST", json});
  if (answer.status !== 200 && answer.status !== 201) {
    ctx.notice(ctx.errorText(answer), true);
    return;
  }
  ctx.notice(ctx.T.thanks);
  again();
}

function confirmForm(ctx, s, again) {
  const {T} = ctx;
  const comment = el("textarea", {id: "confirm-comment", rows: 2, maxLength: 500});
  const path = "/api/v1/reports/" + encodeURIComponent(s.reference) + "/confirmation";
  const answer = (fixed) => send(ctx, path, {fixed, comment: comment.value.trim() || null},
                                 again);
  const yes = el("button", {type: "button", className: "pm-btn pm-btn-primary",
                            id: "confirm-fixed"}, T.fixed);
  const no = el("button", {type: "button", className: "pm-btn", id: "confirm-not-fixed"},
                T.not_fixed);
  yes.addEventListener("click", () => answer(true));
  no.addEventListener("click", () => answer(false));
  return el("section", {id: "confirm"}, el("h3", null, T.confirm_q),
            el("label", {htmlFor: "confirm-comment"}, T.confirm_comment), comment,
            el("div", {className: "pm-row"}, yes, no));
}

function rateForm(ctx, s, again) {
  const {T} = ctx;
  const choices = RATINGS.map((r) => el("label", {className: "pm-choice"},
    el("input", {type: "radio", name: "rating", value: r, id: "rating-" + r}),
    " " + T["rating_" + r]));
  const comment = el("textarea", {id: "rating-comment", rows: 2, maxLength: 500});
  const submit = el("button", {type: "submit", className: "pm-btn pm-btn-primary",
                               id: "rating-send"}, T.rate_send);
  const form = el("form", {id: "rating-form"},
    el("fieldset", null, el("legend", null, T.rate_q), ...choices),
    el("label", {htmlFor: "rating-comment"}, T.rate_comment), comment, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=rating]:checked");
    if (!chosen) { ctx.notice(T.rate_choose, true); return; }
    send(ctx, "/api/v1/reports/" + encodeURIComponent(s.reference) + "/rating",
         {rating: chosen.value, comment: comment.value.trim() || null}, again);
  });
  return form;
}
