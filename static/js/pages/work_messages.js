/* Notifications (/work): the unread count as a badge on the tab, the list (a new task, a
 * task due soon, a task returned or reopened; GET /api/v1/me/notifications, texts in my
 * language), marked read when opened or all at once. Marking read is not queued: a mark
 * lost offline only leaves a message unread. */
import {api} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {dateTime} from "../lib/format.js";
import {t} from "../lib/i18n.js";

const POLL_MS = 60000;

export function messagesView(ctx) {
  let items = [];

  function badge(unread) {
    $("badge").hidden = !unread;
    $("badge").textContent = unread > 99 ? "99+" : String(unread);
  }

  async function markRead(body) {
    try {
      await api("/api/v1/me/notifications/read", {json: body});
    } catch { /* offline: stays unread */ }
    await load();
  }

  function row(item) {
    const open = el("button", {type: "button", className: "wk-btn wk-btn-small"}, t("open_task"));
    open.addEventListener("click", async () => {
      if (!item.read_at) markRead({ids: [item.id]});
      const task = ctx.tasks.find(item.incident_id);
      if (task) ctx.task.open(task);
      else ctx.notice(t("no_task"));
    });
    return el("li", {className: "wk-item" + (item.read_at ? "" : " is-unread"),
                     "data-notification": item.id},
      el("div", null, item.text),
      el("small", {className: "wk-muted"}, dateTime(item.created_at, "short")),
      item.incident_id ? open : null);
  }

  async function load() {
    let data;
    try {
      data = await api("/api/v1/me/notifications");
    } catch {
      return;
    }
    items = data.items || [];
    badge(data.unread || 0);
    replace($("message-list"), ...(items.length ? items.map(row)
      : [el("li", {className: "wk-item wk-muted"}, t("messages_empty"))]));
  }

  $("messages-read").addEventListener("click", () => markRead({all: true}));
  window.setInterval(() => { if (navigator.onLine) load(); }, POLL_MS);
  return {load};
}
