"""A refused start of a plan on /plans in the page's language (issue 26): the API's
message and, when a request refuses several fields, each other field's reason as words —
“field”：reason — never the raw JSON of details.errors."""

import json
from pathlib import Path

import pytest

from tests.service.test_browser_pages import sign_in

SHOTS = Path("/work/shots/reasons2")
# app.errors' answer when webargs refuses several fields: the first in the message, all
# in details.errors (a list of marshmallow's words per field, or per item of a list).
SEVERAL = {"error": {"code": "invalid_input", "message": "'name' is missing", "details": {
    "param": "name", "errors": {"name": ["Missing data for required field."],
                                "colour": ["Unknown field."],
                                "band": {"1": ["Not a valid integer."]}}}}}
SAID = {"zh": ["出错了：缺少“name”", "“colour”：未知字段",
               "“band[1]”：不是有效的 integer"],
        "en": ["Error: 'name' is missing", "'colour': unknown field",
               "'band[1]': not a valid integer"]}


@pytest.mark.parametrize("lang, size", [("zh", (1366, 768)), ("zh", (390, 844)),
                                        ("en", (1366, 768)), ("en", (390, 844))])
def test_a_refused_plan_is_said_in_words_of_the_page(page, town, make_user, lang, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, *make_user("planner1", "planner"), start=f"/plans?lang={lang}")
    page.wait_for_selector("#plans-rows td")
    page.check("#source-auto")
    page.fill("#auto-min", "90")
    page.fill("#auto-max", "10")  # a real refusal: min above max
    page.click("#create-submit")
    page.wait_for_selector("#notice .alert-danger")
    said = page.inner_text("#notice")
    if lang == "zh":
        assert said == ("出错了：“band”（每格户数）须为 [最少, 最多]，整数，"
                        "1 <= 最少 <= 最多 <= 100000"), said
    else:
        assert "'band' must be [min, max] households" in said, said

    page.route("**/api/v1/plans/auto", lambda route: route.fulfill(
        status=400, content_type="application/json", body=json.dumps(SEVERAL)))
    page.click("#create-submit")
    page.wait_for_function("() => document.querySelector('#notice').textContent"
                           ".includes('colour')")
    said = page.inner_text("#notice")
    assert "{" not in said and "Missing data" not in said, said
    assert said.split("；" if lang == "zh" else "; ") == SAID[lang], said
    if SHOTS.is_dir():
        page.locator("#notice").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"plans-refused-{lang}-{size[0]}.png"))
