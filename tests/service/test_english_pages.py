"""Every page in English (``?lang=en``), in headless Chromium: no Chinese text is left
outside data values (names, addresses and categories from the database), in the visible text,
the placeholders, labels and titles. The one place Chinese belongs is the language switch
itself (``中文``, marked ``lang="zh-CN"``).

This replaces the per-page ``?lang=en`` checks: one walk over every page.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.service.test_browser_pages import sign_in
from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1

pytestmark = pytest.mark.town("stats")

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
PAGES = ("/map", "/dispatch", "/plans", "/plans/1", "/maps/caseload", "/maps/coverage",
         "/maps/grids", "/admin/users", "/admin/tokens", "/admin/audit", "/admin/categories",
         "/admin/people/workers", "/admin/people/party", "/admin/people/departments",
         "/party/register", "/maps/qr", "/work", "/evaluation")
# The OGC API's pages show its documents (bilingual titles and descriptions, as clients
# such as QGIS list them): what those documents say counts as data; the pages' own words
# must be English.
OGC_PAGES = ("/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections",
             "/ogc/collections/grids", "/ogc/collections/grids/items",
             "/ogc/collections/grids/queryables")
# What the reader sees: visible text, then the texts of placeholders, labels and titles;
# elements in Chinese on purpose (lang="zh-CN") are left out.
SHOWN = """() => {
  const marked = [...document.body.querySelectorAll('[lang="zh-CN"]')];
  marked.forEach((el) => el.setAttribute("data-l10n-hidden", el.style.display));
  marked.forEach((el) => { el.style.display = "none"; });
  const attrs = [...document.querySelectorAll("[placeholder], [aria-label], [title], [alt]")]
    .filter((el) => !el.closest('[lang="zh-CN"]'))
    .flatMap((el) => ["placeholder", "aria-label", "title", "alt"]
      .map((a) => el.getAttribute(a)).filter(Boolean));
  const shown = [document.title, document.body.innerText, ...attrs].join("\\n");
  marked.forEach((el) => { el.style.display = el.getAttribute("data-l10n-hidden"); });
  return shown;
}"""


def data_values(conn) -> list[str]:
    """Every text value in the database's tables: what the pages may show as data."""
    columns = conn.execute(text(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')"
        " AND table_name NOT LIKE 'alembic%'")).all()
    values: set[str] = set()
    for table, column in columns:
        values.update(v for (v,) in conn.execute(text(
            f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" ~ :han'),
            {"han": HAN.pattern}) if v)
    return sorted(values)


def document_values(client) -> list[str]:
    """Every string in the OGC API's JSON documents behind OGC_PAGES."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in OGC_PAGES:
        answer = client.get(path, query_string={"f": "json"})
        assert answer.status_code == 200, path
        walk(answer.get_json())
    return found


def untranslated(shown: str, values: list[str]) -> list[str]:
    """The runs of Han characters in ``shown`` that no data value contains."""
    return sorted({run for run in HAN.findall(shown) if not any(run in v for v in values)})


def test_every_page_in_english_has_no_chinese_outside_data(page, town, conn, make_user,
                                                           make_token, client):
    name, password = make_user("boss", "admin")
    client.post("/api/v1/plans", json={"community": COMMUNITY_1, "name": "现行复制"},
                headers=bearer(make_token("boss")))
    values = data_values(conn) + document_values(client)
    assert any("景山" in v for v in values)  # the town's names are there to compare with

    page.goto("/login?lang=en")
    found = {"/login": untranslated(page.evaluate(SHOWN), values)}
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#lang-switch") == "中文"
    sign_in(page, name, password, start="/login?lang=en")
    for path in PAGES + OGC_PAGES:
        page.goto(path + "?lang=en")
        page.wait_for_load_state("networkidle")
        found[path] = untranslated(page.evaluate(SHOWN), values)
        assert page.evaluate("() => document.documentElement.lang") == "en", path
    assert {path: runs for path, runs in found.items() if runs} == {}

    # Spot checks that the English really is there, and the switch leads back to Chinese
    # (the cookie then keeps it without ?lang=).
    page.goto("/dispatch?lang=en")
    page.wait_for_selector("#queue-rows tr.queue-row")
    assert page.inner_text("h1") == "Dispatch console"
    assert page.inner_text("#create-title") == "New incident"
    row = page.locator("#queue-rows tr.queue-row", has_text="Reported").first
    row.click()
    page.wait_for_selector("#action-buttons button[data-action=accept]")
    assert page.inner_text("#action-buttons button[data-action=accept]") == "Accept"
    page.click("#lang-switch")
    page.wait_for_selector("#queue-rows tr.queue-row")
    assert page.inner_text("h1") == "调度台"
    # The same check on the Chinese page finds the interface texts (it does detect them).
    assert "调度台" in untranslated(page.evaluate(SHOWN), values)
    page.goto("/plans")
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
