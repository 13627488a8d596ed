/* Texts with values in them: placeholders, dates, numbers, coordinates, in the page's
 * locale (lib/i18n.js). */
import {locale} from "./i18n.js";

/* fmt("{n} 个网格", {n: 3}): named placeholders; an unknown one is left as it is. */
export function fmt(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) =>
    (Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole));
}

const SHORT = {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false};
const LONG = Object.assign({year: "numeric"}, SHORT);

/* An ISO time as local date and time: "full" with the year, "short" without, or the
   browser's default; `none` for no time. */
export function dateTime(iso, style, none) {
  if (!iso) return none === undefined ? "" : none;
  const options = {full: LONG, short: SHORT}[style];
  return new Date(iso).toLocaleString(locale(), options);
}

/* A number with at most `digits` decimals; "—" for none. */
export function number(value, digits) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString(locale(), {maximumFractionDigits: digits || 0});
}

/* A share (0..1) as a percentage with one decimal; "—" for none. */
export function percent(value) {
  return value === null || value === undefined ? "—"
    : (value * 100).toLocaleString(locale(), {maximumFractionDigits: 1}) + "%";
}

/* "lon, lat" with six decimals. */
export function coords(lon, lat) {
  return Number(lon).toFixed(6) + ", " + Number(lat).toFixed(6);
}
