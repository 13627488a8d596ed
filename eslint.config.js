// ESLint (flat config) for the pages' own scripts: native ES modules run in the browser,
// with Leaflet (and its plugins) as the global L that static/vendor/ defines.
import js from "@eslint/js";
import globals from "globals";

export default [
  {ignores: ["static/vendor/**", "node_modules/**", "var/**", ".venv/**"]},
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {...globals.browser, L: "readonly"},
    },
    rules: {
      "no-unused-vars": ["error", {args: "none", caughtErrors: "none"}],
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: {sourceType: "module", globals: globals.node},
  },
];
