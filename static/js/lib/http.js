/* The one way pages call the JSON API: same-origin credentials, the CSRF token of
 * <meta name="csrf-token"> on writes, and every failure — the API's
 * {"error": {"code", "message", "details"}}, no answer (status 0), a lost session — one
 * ApiError. */
import {t} from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

/* → {status, data (the JSON body or null), headers} of a 2xx answer, else throws ApiError.
   options: method, json (sent as JSON), body (sent as is), headers. */
export async function request(path, options) {
  const opts = options || {};
  const method = opts.method || (opts.json !== undefined || opts.body ? "POST" : "GET");
  const headers = Object.assign({Accept: "application/json"}, opts.headers);
  const init = {method, headers, credentials: "same-origin", body: opts.body};
  const csrf = document.querySelector('meta[name="csrf-token"]');
  if (method !== "GET" && csrf) headers["X-CSRFToken"] = csrf.content;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.json);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", t("network", "Network error"));
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const e = (data && data.error) || {};
    const message = response.status === 401 ? t("signed_out", e.message || "401")
      : (e.message || response.statusText || "HTTP " + response.status);
    throw new ApiError(response.status, e.code || "http_error", message, e.details);
  }
  return {status: response.status, data, headers: response.headers};
}

/* request(), answering with the JSON body. */
export const api = async (path, options) => (await request(path, options)).data;

/* A query string of the values that are set ("", null, undefined left out). */
export function query(values) {
  const q = new URLSearchParams();
  Object.entries(values).forEach(([key, value]) => {
    if (value !== "" && value !== null && value !== undefined) q.set(key, value);
  });
  return q.toString();
}
