/* The page's texts and language, from the JSON config its template embeds; the entry
 * module reads it once with pageConfig(id). */

let texts = {};
let language = "zh";

export function pageConfig(id) {
  const config = JSON.parse(document.getElementById(id).textContent);
  texts = config.texts || {};
  language = config.lang === "en" ? "en" : "zh";
  return config;
}

/* The text for key, else fallback (else the key). */
export function t(key, fallback) {
  if (Object.prototype.hasOwnProperty.call(texts, key)) return texts[key];
  return fallback === undefined ? key : fallback;
}

/* fmt("{n} 个网格", {n: 3}); an unknown placeholder is left as it is. */
export function fmt(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) =>
    (Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole));
}

export const lang = () => language;  // "en" or "zh"
export const locale = () => (language === "en" ? "en-GB" : "zh-CN");
export const htmlLang = () => (language === "en" ? "en" : "zh-CN");
