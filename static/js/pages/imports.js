/* The upload page of incident imports (/admin/imports, app/web/imports): sends the file to
 * the import API, polls the background job a large file becomes, shows its progress, then
 * the report. Presets (saved column mappings) come from the API. Texts are placed with
 * textContent only. A native ES module, no build step. */
import {$, el, replace} from "../lib/dom.js";
import {number} from "../lib/format.js";
import {api, request} from "../lib/http.js";
import {fmt, pageConfig} from "../lib/i18n.js";
import {sayReason} from "../lib/reasons.js";

const config = pageConfig("imports-config");
const T = config.texts;
let presets = [];

function notice(text, kind) {
  replace($("import-notice"),
          text ? el("div", {className: "alert alert-" + (kind || "danger") + " py-1", text}) : null);
}

function mapping() {
  const out = {};
  document.querySelectorAll("#mapping input").forEach((input) => {
    if (input.value.trim()) out[input.dataset.field] = input.value.trim();
  });
  return out;
}

async function loadPresets(selected) {
  presets = (await api(config.presetsUrl)).presets;
  const select = $("import-preset");
  replace(select, el("option", {value: "", text: T.preset_none}),
          ...presets.map((p) => el("option", {value: p.id, text: p.name})));
  select.value = selected ? String(selected) : "";
  applyPreset();
}

function applyPreset() {
  const preset = presets.find((p) => String(p.id) === $("import-preset").value);
  $("preset-delete").disabled = !preset;
  document.querySelectorAll("#mapping input").forEach((input) => {
    input.value = (preset && preset.map[input.dataset.field]) || "";
  });
  if (!preset) return;
  $("preset-name").value = preset.name;
  ["format", "encoding", "crs"].forEach((key) => {
    if (preset.options[key]) $("import-" + key).value = preset.options[key];
  });
}

async function savePreset() {
  const name = $("preset-name").value.trim();
  try {
    const body = {name, map: mapping(), encoding: $("import-encoding").value,
                  crs: $("import-crs").value};
    if ($("import-format").value) body.format = $("import-format").value;
    const saved = await api(config.presetsUrl, {json: body});
    await loadPresets(saved.id);
    notice(fmt(T.preset_saved, {name: saved.name}), "success");
  } catch (err) {
    notice(T.error + " " + err.message);
  }
}

async function deletePreset() {
  try {
    await request(config.presetsUrl + "/" + $("import-preset").value, {method: "DELETE"});
    await loadPresets();
    notice(T.preset_deleted, "success");
  } catch (err) {
    notice(T.error + " " + err.message);
  }
}

function showProgress(step, done, total) {
  $("import-progress").hidden = false;
  const bar = $("progress-bar");
  const label = T["step_" + step] || T.queued;
  if (total) {
    bar.max = total;
    bar.value = Math.min(done, total);
  } else {
    bar.removeAttribute("value");
  }
  $("progress-text").textContent = total
    ? fmt(T.progress, {step: label, done: number(done), total: number(total)})
    : fmt(T.progress_nototal, {step: label, done: number(done)});
}

function count(name, value) {
  return [el("dt", {className: "col-sm-3 col-7 fw-normal text-muted", text: T[name] || name}),
          el("dd", {className: "col-sm-3 col-5 mb-1", text: number(value)})];
}

function showReport(result) {
  $("import-report").hidden = false;
  const located = result.located || {};
  const flagged = result.flagged || {};
  const routed = Object.entries(result.routed || {}).map(([key, n]) =>
    count("route_" + key, n)).flat();
  replace($("report-counts"), ...count("rows", result.rows), ...count("loaded", result.loaded),
          ...count("duplicates", result.duplicates), ...count("rejected", result.rejected_count),
          ...count("covered", located.covered), ...count("snapped", located.snapped),
          ...count("out_of_area", located.out_of_area), ...count("boundary", flagged.boundary),
          ...count("possible_duplicate", flagged.possible_duplicate), ...routed);
  showRejected(result);
}

function showRejected(result) {
  const rows = result.rejected || [];
  const table = $("report-rejected");
  table.hidden = !rows.length;
  replace(table.tBodies[0], ...rows.map((r) =>
    el("tr", {}, el("td", {text: r.row}), el("td", {text: sayReason(r.reason, config.reasons)}))));
  const more = $("report-more");
  more.hidden = !result.rejected_truncated;
  more.textContent = fmt(T.rejected_more, {n: number(rows.length),
                                          total: number(result.rejected_count)});
}

async function poll(url) {
  const started = performance.now();
  for (;;) {
    const job = await api(url);
    showProgress(job.state === "queued" ? "" : job.step, job.rows_done, job.rows_total);
    const seconds = (performance.now() - started) / 1000;
    if (job.rows_done && seconds > 0.5) {
      $("progress-speed").textContent = fmt(T.speed, {rate: number(job.rows_done / seconds)});
    }
    if (job.state === "done") return job.result;
    if (job.state === "failed") {
      const e = job.error || {};
      throw Object.assign(new Error(e.message || job.state), {details: e.details});
    }
    await new Promise((resolve) => setTimeout(resolve, config.pollMs));
  }
}

async function submit(event) {
  event.preventDefault();
  const file = $("import-file").files[0];
  if (!file) return notice(T.choose_file);
  const form = new FormData();
  form.append("file", file);
  ["format", "encoding", "crs", "preset"].forEach((key) => {
    const value = $("import-" + key).value;
    if (value) form.append(key, value);
  });
  const map = mapping();
  if (Object.keys(map).length) form.append("map", JSON.stringify(map));
  if ($("import-store-good").checked) form.append("store_good", "true");
  $("import-submit").disabled = true;
  $("import-report").hidden = true;
  notice("");
  showProgress("", 0, 0);
  $("progress-text").textContent = T.uploading;
  try {
    const answer = await request(config.importUrl, {method: "POST", body: form});
    const result = answer.status === 202 ? await poll(answer.data.url) : answer.data;
    showProgress("done", result.rows, result.rows);
    showReport(result);
  } catch (err) {
    $("import-progress").hidden = true;
    notice(T.failed + " " + sayReason(err.message, config.reasons));
    if (err.details && err.details.rejected) showRejected(err.details);
    $("import-report").hidden = !(err.details && err.details.rejected);
    replace($("report-counts"));
  } finally {
    $("import-submit").disabled = false;
  }
}

$("import-form").addEventListener("submit", submit);
$("import-preset").addEventListener("change", applyPreset);
$("preset-save").addEventListener("click", savePreset);
$("preset-delete").addEventListener("click", deletePreset);
loadPresets().catch((err) => notice(T.error + " " + err.message));
