/* Dates, numbers and coordinates as text in the page's locale (lib/i18n.js). */
import {locale} from "./i18n.js";

const SHORT = {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false};
const FULL = Object.assign({year: "numeric"}, SHORT);

/* An ISO time as local date and time ("full": with the year, "short", or the browser's
   default); `none` ("") for no time. */
export function dateTime(iso, style, none) {
  if (!iso) return none === undefined ? "" : none;
  return new Date(iso).toLocaleString(locale(), {full: FULL, short: SHORT}[style]);
}

/* At most `digits` decimals; "—" for none. */
export function number(value, digits) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString(locale(), {maximumFractionDigits: digits || 0});
}

/* A share (0..1) as a percentage, one decimal; "—" for none. */
export function percent(value) {
  return value === null || value === undefined ? "—"
    : (value * 100).toLocaleString(locale(), {maximumFractionDigits: 1}) + "%";
}

export const coords = (lon, lat) => Number(lon).toFixed(6) + ", " + Number(lat).toFixed(6);
