/* The page's texts and language, from the JSON config its template embeds
 * (<script type="application/json" id="...-config">{"lang": ..., "texts": {...}}</script>).
 * The entry module reads the config once with pageConfig(); every lib module then asks
 * t() for a text, so there is one place that knows where texts come from. */

let texts = {};
let language = "zh";

/* The config object in the element with this id; its texts and lang become the page's. */
export function pageConfig(id) {
  const config = JSON.parse(document.getElementById(id).textContent);
  texts = config.texts || {};
  language = config.lang === "en" ? "en" : "zh";
  return config;
}

/* The text for key, else fallback (else the key itself). */
export function t(key, fallback) {
  if (Object.prototype.hasOwnProperty.call(texts, key)) return texts[key];
  return fallback === undefined ? key : fallback;
}

/* "en" or "zh". */
export function lang() { return language; }

/* The locale dates and numbers are written in. */
export function locale() { return language === "en" ? "en-GB" : "zh-CN"; }

/* The value of <html lang>. */
export function htmlLang() { return language === "en" ? "en" : "zh-CN"; }
