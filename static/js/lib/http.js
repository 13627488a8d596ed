/* The one way pages talk to the JSON API: same-origin credentials, the CSRF token (from
 * <meta name="csrf-token">) on every write, and errors — the API's
 * {"error": {"code", "message", "details"}}, an unreachable server, a lost session —
 * thrown as one ApiError. */
import {t} from "./i18n.js";

export class ApiError extends Error {
  /* status 0: the server was not reached (code "network"). */
  constructor(status, code, message, details) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : null;
}

/* fetch(path) → {status, data, headers} for a 2xx answer (data: the JSON body, null for
   none); otherwise throws ApiError. options: method (GET), json (a value sent as JSON),
   body (sent as it is: FormData...), headers. */
export async function request(path, options) {
  const opts = options || {};
  const method = opts.method || (opts.json !== undefined || opts.body ? "POST" : "GET");
  const headers = Object.assign({Accept: "application/json"}, opts.headers || {});
  const init = {method, headers, credentials: "same-origin"};
  if (method !== "GET" && method !== "HEAD") {
    const token = csrfToken();
    if (token) headers["X-CSRFToken"] = token;
  }
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    init.body = opts.body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", t("network", "Network error"));
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    const message = response.status === 401 ? t("signed_out", error.message || "401")
      : (error.message || response.statusText || "HTTP " + response.status);
    throw new ApiError(response.status, error.code || "http_error", message, error.details);
  }
  return {status: response.status, data, headers: response.headers};
}

/* request(), answering with the JSON body only. */
export async function api(path, options) {
  return (await request(path, options)).data;
}

/* A query string from the values that are set ("" , null and undefined are left out). */
export function query(values) {
  const q = new URLSearchParams();
  Object.keys(values).forEach((key) => {
    const value = values[key];
    if (value !== "" && value !== null && value !== undefined) q.set(key, value);
  });
  return q.toString();
}
