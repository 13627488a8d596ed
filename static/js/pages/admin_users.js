/* The accounts page (/admin/users): linking an account to a grid worker. Typing a name or
 * the start of a grid code in a row's worker field offers the workers found
 * (GET /api/v1/incidents/assignees?q=, at most 20, no private fields) in a <datalist>; the
 * field sends the chosen worker's id. */
import {debounce, el} from "../lib/dom.js";
import {api, query} from "../lib/http.js";

const options = document.getElementById("worker-options");
let seq = 0;

async function find(text) {
  const mine = ++seq;
  if (!text || /^\d+$/.test(text)) return;  // an id already, or nothing to look for
  const answer = await api("/api/v1/incidents/assignees?" + query({q: text}));
  if (mine !== seq) return;
  options.replaceChildren(...answer.workers.map((w) => el("option", {
    value: w.id, label: w.name + " · " + w.community_name})));
}

const look = debounce((text) => find(text).catch(() => options.replaceChildren()), 250);
document.querySelectorAll("input.worker-id").forEach((input) => {
  input.addEventListener("input", () => look(input.value.trim()));
});
