"""A grids layer import that moves a boundary re-homes what the new polygons move: open
incidents (new grid, new worker, a 'regrid' event, listed in the command's report),
buildings and resident party members; closed incidents keep the version they were
handled in. The same rule as publishing a plan (geo.boundaries.rehome)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from app.cli.boundaries import apply_due
from geo.boundaries import schedule
from geo.places.assign import assign_incidents
from tests.layers.test_layers import EAST, WEST, grid_rows, square, write_geojson, xy
from tests.layers.test_layers_cli import invoke, load_town, ok
from tests.support.towns import add_member

MOVED_BUILDING = WEST + "0009"


def _incident(conn, x: float, y: float, status: str) -> int:
    lon, lat = xy(x, y)
    return conn.execute(text(
        "INSERT INTO incidents (category, geom, source, reported_at, status, priority)"
        " VALUES ('环境卫生', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'patrol', now(),"
        " :s, 2) RETURNING id"), {"lon": float(lon), "lat": float(lat), "s": status}).scalar()


def _town(runner, conn, tmp_path) -> dict:
    """West and east grids with a full-time worker each; an open and a closed incident and
    a building (with a resident party member) at x 0.8, which the redraw gives to east."""
    load_town(runner, tmp_path)
    ids = dict(conn.execute(text("SELECT code, id FROM grids")).all())
    worker = {code: add_member(conn, f"员{code[-1]}", "full_time", ids[code])
              for code in (WEST, EAST)}
    lon0, lat0 = xy(0.75, 0.4)
    lon1, lat1 = xy(0.85, 0.5)
    building = conn.execute(text(
        "INSERT INTO buildings (code, name, geom, households, residents, grid_id)"
        " VALUES (:c, '9号楼', ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)), 10, 20, :g)"
        " RETURNING id"), {"c": MOVED_BUILDING, "x0": lon0, "y0": lat0, "x1": lon1, "y1": lat1,
                           "g": ids[WEST]}).scalar()
    member = conn.execute(text(
        "INSERT INTO party_members (name, kind, home_building_id, serving_grid_id,"
        " households_linked) VALUES ('李红', 'resident', :b, :g, 3) RETURNING id"),
        {"b": building, "g": ids[WEST]}).scalar()
    found = {"open": _incident(conn, 0.8, 1.5, "dispatched"),
             "closed": _incident(conn, 0.8, 1.6, "closed"),
             "stays": _incident(conn, 0.3, 1.5, "dispatched")}
    assign_incidents(conn)
    conn.execute(text("UPDATE incidents i SET assignee_id = :w WHERE id = ANY(:ids)"),
                 {"w": worker[WEST], "ids": list(found.values())})
    return {"grid": ids, "worker": worker, "member": member, **found}


def _where(conn, incident: int):
    return conn.execute(text(
        "SELECT g.code, g.valid_to IS NULL AS current, i.assignee_id"
        " FROM incidents i JOIN incident_locations l ON l.incident_id = i.id"
        " JOIN grids g ON g.id = l.grid_id WHERE i.id = :i"), {"i": incident}).one()


def test_grids_import_moving_a_boundary_rehomes_open_incidents(runner, conn, tmp_path):
    town = _town(runner, conn, tmp_path)
    rows = grid_rows()
    rows[0]["geometry"] = square(0, 0, 0.7, 2)   # west shrinks past the incidents at x 0.8
    rows[1]["geometry"] = square(0.7, 0, 2, 2)   # east takes them
    result = ok(invoke(runner, "import", "grids", write_geojson(tmp_path / "g.geojson", rows)))
    assert "(0 new, 2 redrawn, 0 updated, 0 unchanged)" in result.output
    assert "open incidents moved to another grid or worker: 1" in result.output
    assert f"incident {town['open']}: {WEST} → {EAST} (covered)" in result.output
    # the open incident: in the new east version, with east's worker and a history entry
    assert tuple(_where(conn, town["open"])) == (EAST, True, town["worker"][EAST])
    events = conn.execute(text(
        "SELECT incident_id, actor, details FROM incident_events WHERE action = 'regrid'")).all()
    assert [e.incident_id for e in events] == [town["open"]]
    details = events[0].details
    assert details["grid_from"] == town["grid"][WEST] and details["located"] == "covered"
    assert details["assignee_to"] == town["worker"][EAST]
    assert details["layer_import"].endswith("g.geojson") and events[0].actor.startswith("cli")
    # still in west: follows west's new version, keeps its worker, no event
    assert tuple(_where(conn, town["stays"])) == (WEST, True, town["worker"][WEST])
    # closed: stays on the version it was handled in
    assert tuple(_where(conn, town["closed"])) == (WEST, False, town["worker"][WEST])
    # the building and its resident party member follow the new polygons
    grid_of_building, serving = conn.execute(text(
        "SELECT g.code, (SELECT s.code FROM grids s WHERE s.id = p.serving_grid_id)"
        " FROM party_members p JOIN buildings b ON b.id = p.home_building_id"
        " JOIN grids g ON g.id = b.grid_id WHERE p.id = :m"), {"m": town["member"]}).one()
    assert grid_of_building == serving == EAST
    audit = conn.execute(text("SELECT after FROM audit_log WHERE action = 'layers.import'"
                              " ORDER BY id DESC LIMIT 1")).scalar()
    assert audit["incidents_moved"] == [town["open"]]


def test_import_of_unchanged_grids_moves_nothing(runner, conn, tmp_path):
    town = _town(runner, conn, tmp_path)
    result = ok(invoke(runner, "import", "grids",
                       write_geojson(tmp_path / "same.geojson", grid_rows())))
    assert "open incidents moved to another grid or worker: 0" in result.output
    assert tuple(_where(conn, town["open"])) == (WEST, True, town["worker"][WEST])
    assert conn.execute(text("SELECT count(*) FROM incident_events")).scalar() == 0


def test_grids_import_with_a_later_day_waits_and_can_be_cancelled(runner, app, conn,
                                                                    tmp_path):
    town = _town(runner, conn, tmp_path)
    today = schedule.local_today(app.config["TIMEZONE"])
    day = today + dt.timedelta(days=2)
    rows = grid_rows()
    rows[0]["geometry"] = square(0, 0, 0.7, 2)
    rows[1]["geometry"] = square(0.7, 0, 2, 2)
    path = write_geojson(tmp_path / "g.geojson", rows)
    result = ok(invoke(runner, "import", "grids", path, "--effective", day.isoformat()))
    assert f"scheduled as change 1, in effect from {day.isoformat()}" in result.output
    assert conn.execute(text("SELECT count(*) FROM grids")).scalar() == 2  # nothing yet
    assert tuple(_where(conn, town["open"]))[0] == WEST
    # what the scheduler loop of scripts/run.sh runs: nothing is due today
    assert ok(runner.invoke(args=["boundaries", "apply-due", "--quiet"])).output == ""
    assert "0 scheduled change(s) applied" in ok(runner.invoke(
        args=["boundaries", "apply-due"])).output
    listed = ok(runner.invoke(args=["boundaries", "list", "--status", "scheduled"]))
    assert json.loads(listed.output)["effective"] == day.isoformat()
    with app.app_context():
        assert apply_due(day - dt.timedelta(days=1)) == []  # the day before: nothing
        done = apply_due(day)
    assert [(c["id"], c["redrawn"]) for c in done] == [(1, 2)]
    assert [m["id"] for m in done[0]["incidents_moved"]] == [town["open"]]
    east = conn.execute(text("SELECT valid_from FROM grids WHERE code = :c AND valid_to IS NULL"),
                        {"c": EAST}).scalar()
    assert east == day
    assert tuple(_where(conn, town["open"])) == (EAST, True, town["worker"][EAST])
    assert tuple(_where(conn, town["closed"])) == (WEST, False, town["worker"][WEST])
    again = runner.invoke(args=["boundaries", "cancel", "1"])
    assert again.exit_code != 0 and "applied" in again.output
    # a second one, cancelled before its day, never applies
    ok(invoke(runner, "import", "grids", write_geojson(tmp_path / "back.geojson", grid_rows()),
              "--effective", (day + dt.timedelta(days=1)).isoformat()))
    assert "cancelled" in ok(runner.invoke(args=["boundaries", "cancel", "2"])).output
    with app.app_context():
        assert apply_due(day + dt.timedelta(days=5)) == []
    assert tuple(_where(conn, town["open"]))[0] == EAST


@pytest.mark.parametrize(("args", "message"), [
    (("--effective", "2020-01-01"), "in the past"),
    (("--effective", "tomorrow"), "tomorrow"),
])
def test_bad_effective_days(runner, tmp_path, args, message):
    load_town(runner, tmp_path)
    result = invoke(runner, "import", "grids",
                    write_geojson(tmp_path / "g.geojson", grid_rows()), *args)
    assert result.exit_code != 0 and message in result.output


def test_buildings_reassigned_counts_a_change_of_grid_code_only(runner, conn, tmp_path):
    """Issue 26 (513 vs 24): a layer import counts as a plan does. Every building of the
    two redrawn grids gets the new version's row; only the one that changes grid code is
    reassigned (geo.boundaries.rehome.reassigned)."""
    town = _town(runner, conn, tmp_path)
    for n, x in enumerate((0.2, 0.4, 1.5)):  # three that stay in their grid's code
        (x0, y0), (x1, y1) = xy(x, 0.2), xy(x + 0.05, 0.25)
        conn.execute(text(
            "INSERT INTO buildings (code, name, geom, households, residents, grid_id)"
            " VALUES (:c, '楼', ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)), 1, 1,"
            " :g)"), {"c": WEST + f"000{n}", "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                      "g": town["grid"][WEST if x < 0.7 else EAST]})
    before = dict(conn.execute(text("SELECT id, grid_id FROM buildings")).all())
    rows = grid_rows()
    rows[0]["geometry"] = square(0, 0, 0.7, 2)
    rows[1]["geometry"] = square(0.7, 0, 2, 2)
    result = ok(invoke(runner, "import", "grids", write_geojson(tmp_path / "g.geojson", rows)))
    after = dict(conn.execute(text("SELECT id, grid_id FROM buildings")).all())
    new_rows = sum(before[b] != after[b] for b in before)
    assert new_rows > 1  # the old count: every building given a new grid row
    assert "buildings re-assigned: 1\n" in result.output
