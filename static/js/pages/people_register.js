/* /party/register: the public 双报到 form. A form token is fetched when the page opens
 * (the same anti-abuse rule as residents' reports); nothing about the registration is
 * shown back. */
import {api} from "../lib/http.js";
import {$, el, replace} from "../lib/dom.js";
import {pageConfig, t} from "../lib/i18n.js";
import {sayReason} from "../lib/reasons.js";

const config = pageConfig("people-config");
let token = null;

async function fetchToken() {
  try {
    token = (await api("/api/v1/reports/form")).form_token;
  } catch (err) {
    token = null;
  }
}

function say(text, kind) {
  replace($("notice"), el("div", {className: "alert alert-" + kind, text}));
}

$("register-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = {form_token: token, website: form.elements.website.value};
  ["name", "work_unit", "phone", "community", "serving_grid"].forEach((k) => {
    const value = form.elements[k].value.trim();
    if (value) body[k] = value;
  });
  $("r-submit").disabled = true;
  try {
    await api("/api/v1/party/registrations", {json: body});
    form.reset();
    form.hidden = true;
    say(t("sent"), "success");
  } catch (err) {
    say(err.status === 403 ? t("wait") : sayReason(err.message, config.reasons), "danger");
    await fetchToken();
  } finally {
    $("r-submit").disabled = false;
  }
});

fetchToken();
