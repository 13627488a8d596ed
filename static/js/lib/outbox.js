/* The phone's outbox: every write the /work app makes (an action on a task with its photos,
 * a patrol's start, point batches and finish, a problem reported on patrol) is put here
 * first, in IndexedDB, with a client-made id (client_id, a UUID), and then sent. Items go in
 * the order they were made, when the phone is online: on load, on the `online` event, after
 * each enqueue and every RETRY_MS. An item leaves the queue only when the server answered
 * 2xx (a repeat of a client_id is answered 200 by the server and does nothing), or with a
 * final 4xx: then it stays, marked for attention, until the worker dismisses it — nothing is
 * dropped silently. A lost session stops the queue until the worker signs in again; no
 * answer, a 5xx or a 429 leave the item to be sent again later.
 *
 * Photos are kept as Blobs. An item may stand for a server id it does not know yet
 * (a patrol started offline): its url then holds "{ref}" and `ref` names the client_id of
 * the item whose answer's `id` replaces it (kept in the "ids" store). */

const DB_NAME = "gridmap-work";
const QUEUE = "outbox";
const IDS = "ids";
// navigator.onLine and its events are not to be trusted (a captive Wi-Fi, a page served
// from the service worker's copy): a failed send is what says offline, a timer retries
const RETRY_MS = 10000;
// 4xx answers that sending again cannot change; the rest (401, 408, 429) are not final
const NOT_FINAL = new Set([401, 408, 429]);

/* A v4 UUID: crypto.randomUUID where the page is a secure context, else made from
   crypto.getRandomValues. */
export function newId() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID();
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
}

function promised(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDb() {
  const req = window.indexedDB.open(DB_NAME, 1);
  req.onupgradeneeded = () => {
    req.result.createObjectStore(QUEUE, {keyPath: "seq", autoIncrement: true});
    req.result.createObjectStore(IDS);
  };
  return promised(req);
}

/* The body of an item: JSON, or multipart with its fields and photos. */
function bodyOf(item) {
  if (!item.files) return {body: JSON.stringify(item.json), type: "application/json"};
  const form = new FormData();
  Object.entries(item.fields || {}).forEach(([k, v]) => {
    if (v !== null && v !== undefined && v !== "") form.append(k, String(v));
  });
  item.files.forEach((f) => form.append(f.field, f.blob, f.name));
  return {body: form, type: null};
}

async function csrfFromPage(pageUrl) {
  const response = await fetch(pageUrl, {credentials: "same-origin", cache: "no-store"});
  const html = await response.text();
  const found = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
  return found ? found[1] : null;
}

/* opts: {pageUrl (where a fresh CSRF token is read), owner (the worker whose items these
   are: another account signed in on the same phone neither sees nor sends them),
   onChange(state), onSent(item, answer)}.
   state: {waiting: [item], attention: [item], sending, offline, signedOut}. */
export async function openOutbox(opts) {
  const db = await openDb();
  const meta = document.querySelector('meta[name="csrf-token"]');
  const s = {token: meta ? meta.content : null, running: false, signedOut: false,
             offline: !navigator.onLine};
  const store = (name, mode) => db.transaction(name, mode || "readonly").objectStore(name);
  const all = async () => (await promised(store(QUEUE).getAll()))
    .filter((i) => i.owner === opts.owner);

  async function changed() {
    const items = await all();
    if (opts.onChange) {
      opts.onChange({waiting: items.filter((i) => !i.attention),
                     attention: items.filter((i) => i.attention), sending: s.running,
                     offline: s.offline, signedOut: s.signedOut});
    }
  }

  async function post(item, url) {
    const {body, type} = bodyOf(item);
    const headers = {Accept: "application/json"};
    if (type) headers["Content-Type"] = type;
    if (s.token) headers["X-CSRFToken"] = s.token;
    let response;
    try {
      response = await fetch(url, {method: "POST", body, headers, credentials: "same-origin"});
    } catch {
      return {status: 0, data: null};
    }
    const data = await response.json().catch(() => null);
    return {status: response.status, data};
  }

  async function send(item) {
    let url = item.url;
    if (item.ref) {
      const id = await promised(store(IDS).get(item.ref));
      if (id === undefined) return {status: 409, data: {error: {code: "no_ref"}}};
      url = url.replace("{ref}", encodeURIComponent(id));
    }
    let answer = await post(item, url);
    const code = answer.data && answer.data.error && answer.data.error.code;
    if (answer.status === 403 && code === "csrf_failed") {
      s.token = await csrfFromPage(opts.pageUrl).catch(() => null);
      answer = await post(item, url);
    }
    return answer;
  }

  async function settle(item, answer) {
    if (answer.status >= 200 && answer.status < 300) {
      const tx = db.transaction([QUEUE, IDS], "readwrite");
      if (item.keepId && answer.data && answer.data.id !== undefined) {
        tx.objectStore(IDS).put(answer.data.id, item.keepId);
      }
      tx.objectStore(QUEUE).delete(item.seq);
      await new Promise((resolve) => { tx.oncomplete = resolve; tx.onerror = resolve; });
      await changed();
      if (opts.onSent) opts.onSent(item, answer.data);
      return true;
    }
    if (answer.status === 401) { s.signedOut = true; return false; }
    if (answer.status >= 400 && answer.status < 500 && !NOT_FINAL.has(answer.status)) {
      const error = (answer.data && answer.data.error) || {};
      Object.assign(item, {attention: true, status: answer.status, error});
      await promised(store(QUEUE, "readwrite").put(item));
      return true;
    }
    s.offline = answer.status === 0;
    return false;  // no answer, 5xx, 408, 429: sent again later
  }

  async function flush() {
    if (s.running || s.signedOut) return;
    s.running = true;
    await changed();
    try {
      for (;;) {
        const next = (await all()).find((i) => !i.attention);
        if (!next) break;
        const answer = await send(next);
        if (answer.status) s.offline = false;
        if (!(await settle(next, answer))) break;
        await changed();
      }
    } finally {
      s.running = false;
      await changed();
    }
  }

  /* Puts a write in the queue (fields: kind, label, url, json | fields+files, ref,
     keepId, incident, ...) and starts sending; resolves once it is stored. */
  async function enqueue(item) {
    await promised(store(QUEUE, "readwrite").add(Object.assign({made: Date.now(),
                                                                  owner: opts.owner}, item)));
    await changed();
    flush();
  }

  async function dismiss(seq) {
    await promised(store(QUEUE, "readwrite").delete(seq));
    await changed();
  }

  window.addEventListener("online", () => { s.offline = false; flush(); });
  window.addEventListener("offline", () => { s.offline = true; changed(); });
  window.setInterval(flush, RETRY_MS);
  flush();
  return {enqueue, flush, dismiss, items: all,
          resume: () => { s.signedOut = false; flush(); }};
}
