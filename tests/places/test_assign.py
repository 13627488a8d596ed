"""The assignment rule (geo.places.assign), pinned on tiny named geometries (tests/support)."""

import pytest
from pyproj import Geod
from sqlalchemy import text

from geo.places.assign import assign_buildings, assign_incidents, locate_point
from tests.support.geometries import box_wkt, insert_grid, insert_incident, xy

# (name, x, y) → (expected grid, expected state, expected community)
CASES = [
    ("inside A", 1, 1.5, "A", "covered", "C1"),
    ("on the A|B shared edge", 2, 0.5, "A", "covered", "C1"),
    ("on the A|C shared edge", 2, 1.5, "A", "covered", "C1"),
    ("on the B|C shared edge", 3, 1, "B", "covered", "C1"),
    ("on the A,B,C shared vertex", 2, 1, "A", "covered", "C1"),
    ("on the community 1|2 border (C|D)", 4, 1.5, "C", "covered", "C1"),
    ("on the outer corner of A", 0, 0, "A", "covered", "C1"),
    ("in the gap, 17 m from D", 6.2, 1, "D", "snapped", "C2"),
    ("outside the city, 26 m west of A", -0.3, 1, "A", "snapped", "C1"),
    ("in the gap, far from every grid", 7.5, 1, None, "out_of_area", "C2"),
    ("far outside everything", 20, 1, None, "out_of_area", None),
]


@pytest.mark.parametrize(("name", "x", "y", "grid", "state", "community"), CASES,
                         ids=[c[0] for c in CASES])
def test_locate_point_follows_the_rule(conn, town, name, x, y, grid, state, community):
    for _ in range(3):  # the same answer every time
        loc = locate_point(conn, *xy(x, y))
        assert loc.grid_id == (town[grid] if grid else None)
        assert loc.state == state
        assert loc.community_id == (town[community] if community else None)


def test_snapped_distance_is_metres_on_the_spheroid(conn, town):
    lon, lat = xy(6.2, 1)
    edge_lon, _ = xy(6, 1)
    expected = Geod(ellps="WGS84").inv(lon, lat, edge_lon, lat)[2]
    loc = locate_point(conn, lon, lat)
    assert loc.distance_m == pytest.approx(expected, abs=0.5)
    assert 15 < loc.distance_m < 20


def test_snap_distance_is_a_setting(conn, town):
    assert locate_point(conn, *xy(6.2, 1), snap_meters=10).state == "out_of_area"
    assert locate_point(conn, *xy(7.5, 1), snap_meters=200).state == "snapped"


def test_retired_grid_versions_are_ignored(conn, town):
    # An old version of a grid covering the gap must not catch points any more.
    insert_grid(conn, "110101001002002", "旧网格", town["C2"], (6, 0, 8, 2),
                valid_to="2021-01-01")
    assert locate_point(conn, *xy(7.5, 1)).grid_id is None


def test_bulk_assignment_matches_single_lookups_and_is_idempotent(conn, town):
    ids = {name: insert_incident(conn, x, y) for name, x, y, *_ in CASES}
    counts = assign_incidents(conn)
    assert counts == {"covered": 7, "snapped": 2, "out_of_area": 2}
    rows = {r.incident_id: r for r in conn.execute(text("SELECT * FROM incident_locations"))}
    assert len(rows) == len(CASES)
    for name, _x, _y, grid, state, community in CASES:
        row = rows[ids[name]]
        assert (row.grid_id, row.state) == (town[grid] if grid else None, state), name
        assert row.community_id == (town[community] if community else None), name
    assert assign_incidents(conn) == {"covered": 0, "snapped": 0, "out_of_area": 0}
    assert conn.execute(text("SELECT count(*) FROM incident_locations")).scalar() == len(CASES)


def test_bulk_assignment_by_ids_uses_the_same_rule(conn, town):
    on_vertex = insert_incident(conn, 2, 1)
    other = insert_incident(conn, 1, 1)
    assert assign_incidents(conn, ids=[on_vertex]) == {"covered": 1, "snapped": 0,
                                                       "out_of_area": 0}
    grid = conn.execute(text("SELECT grid_id FROM incident_locations WHERE incident_id = :i"),
                        {"i": on_vertex}).scalar()
    assert grid == town["A"]
    located = conn.execute(text("SELECT count(*) FROM incident_locations WHERE incident_id = :i"),
                           {"i": other}).scalar()
    assert located == 0


def test_incidents_without_a_point_stay_pending(conn, town):
    conn.execute(text("INSERT INTO incidents (category, source, status, priority, reported_at)"
                      " VALUES ('其他', 'hotline', 'reported', 2, now())"))
    assert sum(assign_incidents(conn).values()) == 0


def test_relocating_replaces_previous_locations(conn, town):
    inc = insert_incident(conn, 7.5, 1)
    assign_incidents(conn)
    insert_grid(conn, "110101001002002", "新网格", town["C2"], (6, 0, 8, 2))
    assert assign_incidents(conn)["covered"] == 0  # already located: untouched
    assert assign_incidents(conn, only_pending=False)["covered"] == 1
    state = conn.execute(text("SELECT state FROM incident_locations WHERE incident_id = :i"),
                         {"i": inc}).scalar()
    assert state == "covered"


def test_covered_step_is_grid_driven_through_the_gist_index(conn, town):
    from geo.places.assign import _ASSIGN_COVERED, _PENDING

    for x in range(8):
        insert_incident(conn, x + 0.5, 0.5)
    conn.execute(text("SET enable_seqscan = off"))  # tiny tables: make the index choice visible
    sql = _ASSIGN_COVERED.format(pending=_PENDING.format(scope=""))
    plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))
    conn.execute(text("RESET enable_seqscan"))
    assert "idx_incidents_geom" in plan
    assert plan.index("grids") < plan.index("idx_incidents_geom")  # outer loop over grids


def _building(conn, code, box):
    return conn.execute(text(
        "INSERT INTO buildings (code, name, geom, households, residents)"
        " VALUES (:code, '1号楼', ST_GeomFromText(:wkt, 4326), 20, 50) RETURNING id"),
        {"code": code, "wkt": box_wkt(*box)}).scalar_one()


def test_buildings_go_to_the_grid_holding_their_largest_part(conn, town):
    inside = _building(conn, "1101010010010010001", (0.5, 0.5, 0.7, 0.7))
    straddling = _building(conn, "1101010010010020001", (1.9, 0.2, 2.2, 0.4))  # 2/3 in B
    tied = _building(conn, "1101010010010020002", (1.9, 1.2, 2.1, 1.4))  # half A, half C
    in_gap = _building(conn, "1101010010020000001", (7, 1, 7.2, 1.2))
    outside = _building(conn, "1101010010020000002", (30, 1, 30.2, 1.2))
    assert assign_buildings(conn) == 4
    got = dict(conn.execute(text("SELECT id, (grid_id, community_id)::text FROM buildings")).all())
    assert got[inside] == f"({town['A']},{town['C1']})"
    assert got[straddling] == f"({town['B']},{town['C1']})"
    assert got[tied] == f"({town['A']},{town['C1']})"
    assert got[in_gap] == f"(,{town['C2']})"
    assert got[outside] == "(,)"
    assert assign_buildings(conn) == 0  # idempotent: nothing rewritten


def test_buildings_follow_a_redraw(conn, town):
    b = _building(conn, "1101010010020000001", (7, 1, 7.2, 1.2))
    assign_buildings(conn)
    new = insert_grid(conn, "110101001002002", "新网格", town["C2"], (6, 0, 8, 2))
    assert assign_buildings(conn, community_ids=[town["C2"]]) == 1
    assert conn.execute(text("SELECT grid_id FROM buildings WHERE id = :b"),
                        {"b": b}).scalar() == new


def test_assign_command_locates_pending_incidents_and_buildings(runner, conn, town):
    insert_incident(conn, 1, 1)
    insert_incident(conn, 20, 1)
    _building(conn, "1101010010010010001", (0.5, 0.5, 0.7, 0.7))
    result = runner.invoke(args=["assign"])
    assert result.exit_code == 0, result.output
    assert "1 in a grid, 0 snapped, 1 out of area" in result.output
    assert "buildings re-assigned: 1" in result.output
    again = runner.invoke(args=["assign"])
    assert "0 in a grid, 0 snapped, 0 out of area" in again.output
    assert "buildings re-assigned: 0" in again.output


def test_assign_command_rejects_a_bad_snap_distance(runner, town):
    result = runner.invoke(args=["assign", "--snap-meters", "-5"])
    assert result.exit_code == 2 and "snap-meters" in result.output


@pytest.mark.commits
def test_bulk_foreign_key_check_refuses_orphans_and_writes_nothing(app, town):
    from app.extensions import db
    from geo.pg.bulk import IntegrityViolation, foreign_keys_checked_once

    incident = None
    with db.engine.connect() as conn:
        incident = insert_incident(conn, 1, 1)
        conn.commit()
        with pytest.raises(IntegrityViolation, match="incident_locations_grid_id_fkey"):
            with conn.begin(), foreign_keys_checked_once(conn, "incident_locations"):
                conn.execute(text("INSERT INTO incident_locations (incident_id, grid_id, state)"
                                  " VALUES (:i, 999999, 'covered')"), {"i": incident})
        # A loader that wrote the incidents itself skips only the keys to incidents.
        with pytest.raises(IntegrityViolation, match="incident_locations_grid_id_fkey"):
            with conn.begin(), foreign_keys_checked_once(conn, "incident_locations",
                                                         written=("incidents",)):
                conn.execute(text("INSERT INTO incident_locations (incident_id, grid_id, state)"
                                  " VALUES (:i, 999999, 'covered')"), {"i": incident})
        role = conn.execute(text("SHOW session_replication_role")).scalar()
        assert role == "origin"
        assert conn.execute(text("SELECT count(*) FROM incident_locations")).scalar() == 0
