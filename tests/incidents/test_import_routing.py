"""The import's set-based routing (geo.incidents.routing.assigned_set_sql) gives each row
what the single-incident rule (routed_select, per row) gives it at the same moment: on
the same rows, with overlays owner- and place-first, a grid unit's overlay, workers off
duty and on leave with a substitute, categories routed to the community office, off-hours
rules, and categories with a department (派单目录)."""

import pytest
from sqlalchemy import text

from geo.incidents import imports
from geo.incidents.intake import Rules
from geo.incidents.routing import assigned_set_sql, located_select, routed_select
from tests.incidents.test_hotline_import import COLUMNS, csv_bytes, line
from tests.support.geometries import GRID_B, xy

pytestmark = pytest.mark.town("incidents")

RULES = {"snap": 50.0, "boundary": 20.0}
CATEGORIES = ("环境卫生", "设施损坏", "邻里纠纷", "噪音扰民")
POINTS = [(x / 4, y / 4) for x in range(-1, 26, 2) for y in range(-1, 9, 2)]


def polygon(x0, y0, x1, y1):
    (a, b), (c, d) = xy(x0, y0), xy(x1, y1)
    return {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]}


@pytest.fixture
def tangled(client, staff, conn, town):
    """Every branch of the rule somewhere in the town (see the module docstring)."""
    admin = staff("boss", "admin")
    for body in ({"name": "阳光花园", "kind": "compound", "unit": "company",
                  "company_name": "阳光物业", "categories": ["设施损坏"],
                  "geometry": polygon(0.5, 0.5, 2.5, 1.5), "valid_from": "2026-01-01"},
                 {"name": "第二网格代管", "kind": "compound", "unit": "grid", "grid": GRID_B,
                  "categories": ["噪音扰民"], "geometry": polygon(3.5, 0, 5.5, 1.5),
                  "valid_from": "2026-01-01"}):
        answer = client.post("/api/v1/overlays", json=body, headers=admin)
        assert answer.status_code == 201, answer.get_json()
    dept = conn.execute(text("INSERT INTO departments (name, kind) VALUES"
                             " ('区市政市容委', 'department') RETURNING id")).scalar_one()
    conn.execute(text("INSERT INTO department_categories VALUES (:d, '设施损坏')"),
                 {"d": dept})
    conn.execute(text(
        "UPDATE categories SET precedence = CASE code WHEN '设施损坏' THEN 'owner'"
        " ELSE 'place' END, off_hours = CASE code WHEN '环境卫生' THEN 'community_office'"
        " WHEN '噪音扰民' THEN 'unassigned' ELSE 'worker' END"))
    # A's full-time worker and D's are off duty now (their hours start in an hour); B's
    # chief is on leave with C's chief standing in.
    conn.execute(text(
        "UPDATE grid_members SET duty_start = (localtime + interval '1 hour')::time(0),"
        " duty_end = (localtime + interval '2 hours')::time(0) WHERE id IN (:a, :d)"),
        {"a": town["A_full"], "d": town["D_full"]})
    conn.execute(text("INSERT INTO worker_leave (worker_id, starts_on, substitute_id)"
                      " VALUES (:w, current_date - 1, :s)"),
                 {"w": town["B_chief"], "s": town["C_chief"]})
    return town


def test_a_file_is_routed_set_based_as_each_row_alone_at_the_same_moment(conn, tangled):
    conn.execute(text(
        "CREATE TEMP TABLE s AS SELECT row_number() OVER () AS id, p.geom, c.code AS category,"
        " c.route_to, now() - interval '3 days' AS reported_at, NULL::int AS building_id"
        " FROM unnest(CAST(:lon AS float8[]), CAST(:lat AS float8[])) AS q(lon, lat)"
        " CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(q.lon, q.lat), 4326) geom) p"
        " CROSS JOIN categories c WHERE c.code = ANY(:cats)"),
        {"lon": [xy(*p)[0] for p in POINTS], "lat": [xy(*p)[1] for p in POINTS],
         "cats": list(CATEGORIES)})
    cols = "id, grid_id, state, assignee_id, routed_to, overlay_id, boundary_grid_id"
    single = conn.execute(text(
        f"SELECT {cols} FROM ({routed_select('s', duplicates=False, at='now()')}) r"
        " ORDER BY id"), RULES).all()
    conn.execute(text(f"CREATE TEMP TABLE located AS {located_select('s')}"), RULES)
    many = conn.execute(text(
        f"SELECT {cols} FROM ({assigned_set_sql('located')}) r ORDER BY id")).all()
    assert many == single
    routes = {row.routed_to for row in single}
    assert routes >= {"overlay", "full_time", "grid_chief", "substitute", "community_office",
                      "unassigned"}, routes


def test_an_import_is_routed_as_of_now_not_as_of_its_report(app, conn, tangled):
    """A ticket of last year goes to whoever serves the grid now (open work)."""
    from app.extensions import db

    data = csv_bytes(*[line(ext, category=cat, point=(3, 0.5), at="2025-11-20T09:00:00+08:00")
                       for ext, cat in (("OLD", "环境卫生"), ("OLD2", "设施损坏"))])
    opts = imports.options("t.csv", mapping=COLUMNS, strict=True)
    who = imports.Importer("test", Rules.from_config(app.config), (73.0, 3.0, 136.0, 54.0))
    assert imports.import_file(db.session.connection(), data, opts, "t.csv", who).loaded == 2
    rows = dict(conn.execute(text("SELECT external_id, (assignee_id, routed_to)::text"
                                  " FROM incidents")).all())
    # B's chief is on leave since yesterday: the substitute (C's chief) takes both.
    assert rows["OLD"] == rows["OLD2"] == f"({tangled['C_chief']},substitute)"
