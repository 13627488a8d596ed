/* Finding a place on the public map (/map): the search box — suggestions as the resident
 * types (/api/v1/geocode), arrow keys through them, the chosen place looked up — and
 * "locate me" (the browser's position). Loaded by ./public_map.js when first used, and
 * given its state and helpers. Every text from the server is placed as text. */
import {$, el, debounce, replace} from "../lib/dom.js";
import {query} from "../lib/http.js";

/* ctx: {state, T, notice, api, errorText, locate} of the public map. */
export function searchBox(ctx) {
  const {state, T, notice, api, errorText, locate} = ctx;

  const input = $("search-q");
  const list = $("suggestions");

  function closeSuggestions() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    state.active = -1;
  }

  function choose(result) {
    closeSuggestions();
    input.value = result.address || result.name || result.code;
    locate(result.lon, result.lat, [result.address, result.name].filter(Boolean).join(" "),
           true);
  }

  function showSuggestions(results) {
    state.suggestions = results;
    state.active = -1;
    if (!results.length) {
      replace(list, el("li", {className: "pm-empty", role: "option", "aria-disabled": "true"},
                       T.no_match));
    } else {
      replace(list, ...results.map((r, i) => el("li", {role: "none"},
        el("button", {type: "button", role: "option", id: "suggestion-" + i,
                      "data-index": i},
           r.address || r.name || r.code,
           el("small", null, [r.name && r.address ? r.name : null,
                              r.community ? r.community.name : null,
                              r.grid ? r.grid.name : null].filter(Boolean).join(" · "))))));
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  const suggest = debounce(async () => {
    const q = input.value.trim();
    if (!q) { closeSuggestions(); return; }
    const seq = ++state.suggestSeq;
    const answer = await api("/api/v1/geocode?" + query({q: q, limit: 8}));
    if (seq !== state.suggestSeq) return;
    if (answer.status === 200) showSuggestions(answer.body.results);
    else if (answer.status !== 400) notice(errorText(answer), true);
  }, 250);

  input.addEventListener("keydown", (event) => {
    const buttons = list.querySelectorAll("button[role=option]");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!buttons.length || list.hidden) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      state.active = (state.active + step + buttons.length) % buttons.length;
      buttons.forEach((b, i) => b.setAttribute("aria-selected", String(i === state.active)));
      input.setAttribute("aria-activedescendant", buttons[state.active].id);
    } else if (event.key === "Escape") {
      closeSuggestions();
    }
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-index]");
    if (button) choose(state.suggestions[Number(button.dataset.index)]);
  });
  async function submit() {
    if (state.active >= 0 && state.suggestions[state.active]) {
      choose(state.suggestions[state.active]);
      return;
    }
    const q = input.value.trim();
    if (!q) return;
    const answer = await api("/api/v1/geocode?" + query({q: q, limit: 8}));
    if (answer.status !== 200) { notice(errorText(answer), true); return; }
    if (answer.body.results.length === 1) choose(answer.body.results[0]);
    else showSuggestions(answer.body.results);
  }
  document.addEventListener("click", (event) => {
    if (!$("search-form").contains(event.target)) closeSuggestions();
  });

  function locateMe() {
    if (!navigator.geolocation || window.isSecureContext === false) {
      notice(T.geo_unsupported, true);
      return;
    }
    notice(T.locating);
    navigator.geolocation.getCurrentPosition((position) => {
      notice("");
      // Browsers report WGS-84, what the lookup takes by default.
      locate(position.coords.longitude, position.coords.latitude, "", true);
    }, (error) => {
      const text = {1: T.geo_denied, 2: T.geo_unavailable, 3: T.geo_timeout}[error.code];
      notice(text || T.geo_unavailable, true);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }

  return {suggest, submit, locateMe, close: closeSuggestions};
}
