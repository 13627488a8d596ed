/* An import's rejection reason in the page's language. The server gives reasons in English
 * (its API and CSV report keep them so); the page's config carries a table
 * {patterns: [[pattern, message], ...], separator} made by app/web/reasons.py, whose
 * say_reason is the same rule in Python. A "detail" group is a reason itself; "; " joins
 * several reasons of one row; a reason the table does not know is shown as it is. */
import {fmt} from "./i18n.js";

const compiled = new WeakMap();

function patterns(table) {
  if (!compiled.has(table)) {
    compiled.set(table, table.patterns.map(([source, message]) =>
      [new RegExp("^(?:" + source + ")$", "s"), message]));
  }
  return compiled.get(table);
}

export function sayReason(reason, table) {
  if (!table || typeof reason !== "string") return reason;
  for (const [pattern, message] of patterns(table)) {
    const found = pattern.exec(reason);
    if (found) {
      const values = {};
      Object.entries(found.groups || {}).forEach(([key, value]) => { values[key] = value || ""; });
      if (values.detail !== undefined) values.detail = sayReason(values.detail, table);
      return fmt(message, values);
    }
  }
  if (reason.includes("; ")) {
    return reason.split("; ").map((part) => sayReason(part, table)).join(table.separator);
  }
  return reason;
}
