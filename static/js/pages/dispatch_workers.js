/* The queue's assignee filter (/dispatch): besides 全部 and 未指派, the workers of the
 * community chosen in the community filter (GET /api/v1/incidents/assignees); a city has
 * tens of thousands of workers, so none are listed before a community is chosen. */
import {$, el} from "../lib/dom.js";
import {api, query} from "../lib/http.js";

export function assigneeFilter(T, roleText, failed) {
  const select = $("f-assignee");
  let seq = 0;

  async function fill() {
    const community = $("f-community").value;
    const mine = ++seq;
    select.querySelectorAll("optgroup").forEach((group) => group.remove());
    if (/^\d+$/.test(select.value)) select.value = "";  // a worker of another community
    $("f-assignee-hint").hidden = Boolean(community);
    if (!community) return;
    const answer = await api("/api/v1/incidents/assignees?" + query({community: community}));
    if (mine !== seq) return;
    select.appendChild(el("optgroup", {label: T.community_workers}, ...answer.workers.map(
      (w) => el("option", {value: w.id}, w.name + " · " + roleText(w.role)))));
  }

  // Before the form's own change listener reloads the queue (the reset above is synchronous).
  $("f-community").addEventListener("change", () => { fill().catch(failed); });
  return {fill};
}
