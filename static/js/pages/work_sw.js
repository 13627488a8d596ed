/* The /work app's service worker (served by app/web/work/pwa.py as /work/sw.js, which
 * puts VERSION, SHELL and NETWORK_FIRST above this text). It keeps:
 * - the shell (the page, its modules and styles, Leaflet), fetched on install and served
 *   from the copy; the page itself network first, so a signed-in worker gets a fresh one;
 * - the last answers of the field API's reads (my tasks, my grids, categories, the
 *   incidents opened, notifications), network first, the copy when there is no network.
 * Writes are never touched: they go to the network as made (the outbox in IndexedDB
 * keeps them while the phone is offline). Tiles are not kept. */
/* global VERSION, SHELL, NETWORK_FIRST */

const SHELL_CACHE = "work-shell-" + VERSION;
const DATA_CACHE = "work-data";
const PAGE = SHELL[0];
const MATCH = {ignoreVary: true};
// read on install, so that the first visit leaves a copy for offline use
const PREFETCH = ["/api/v1/me/tasks", "/api/v1/me/grids", "/api/v1/categories"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, {cache: "no-cache"}))))
    .then(() => Promise.all(PREFETCH.map((url) => networkFirst(new Request(url), DATA_CACHE)
      .catch(() => null))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("work-shell-")
                                                     && n !== SHELL_CACHE)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

async function networkFirst(request, cacheName, key) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(cacheName);
      await cache.put(key || request, response.clone());
    }
    return response;
  } catch (err) {
    const kept = await caches.match(key || request, MATCH);
    if (kept) return kept;
    throw err;
  }
}

async function shellFirst(request) {
  const kept = await caches.match(request, MATCH);
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // writes go out as they are, never kept
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;  // tiles
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(networkFirst(request, SHELL_CACHE, PAGE));
  } else if (NETWORK_FIRST.some((prefix) => url.pathname.startsWith(prefix))) {
    // my tasks is asked with the phone's position: one copy, whatever the position
    const key = url.pathname.endsWith("/me/tasks") ? url.origin + url.pathname : null;
    event.respondWith(networkFirst(request, DATA_CACHE, key));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(shellFirst(request));
  }
});

// The page asks for the copies of a signed-out worker's data to be dropped.
self.addEventListener("message", (event) => {
  if (event.data === "forget") event.waitUntil(caches.delete(DATA_CACHE));
});
