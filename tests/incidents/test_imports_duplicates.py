"""The possible-duplicate rule's two shapes (geo.incidents.routing): per row (a report) and
set-based (a file) give the same answer on the same incidents, edges included; the
import flags by the set-based one."""

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import text

from geo.incidents.routing import duplicate_probe, duplicate_window_sql, duplicates_set_sql
from tests.incidents.test_hotline_import import csv_bytes, line, run_import, stored
from tests.support.geometries import xy

pytestmark = pytest.mark.town("incidents")

RULE = {"dup_m": 50.0, "dup_h": 72}
T = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
A, B = "环境卫生", "噪音扰民"


def put(conn, cluster: int, metres: float = 0.0, azimuth: float = 0.0, hours: float = 0.0,
        category: str = A, status: str = "reported", merged: int | None = None) -> int:
    """An incident ``metres`` from the centre of cluster ``cluster`` (clusters lie 1.7 km
    apart), reported ``hours`` after T."""
    lon, lat = xy(20 * cluster, 0.5)
    return conn.execute(text(
        "INSERT INTO incidents (category, geom, source, reported_at, status, priority,"
        " merged_into_id) VALUES (:cat, ST_Project(ST_SetSRID(ST_MakePoint(:lon, :lat),"
        " 4326)::geography, :m, radians(:az))::geometry, 'patrol', :at, :status, 2, :merged)"
        " RETURNING id"), {"cat": category, "lon": lon, "lat": lat, "m": metres, "az": azimuth,
                          "at": T + dt.timedelta(hours=hours), "status": status,
                          "merged": merged}).scalar_one()


def per_row(conn, ids: list[int]) -> dict[int, int]:
    return dict(conn.execute(text(
        f"SELECT s.id, d.duplicate_of_id FROM incidents s CROSS JOIN LATERAL"
        f" ({duplicate_probe()}) d WHERE s.id = ANY(:ids)"), {"ids": ids, **RULE}).all())


def set_based(conn, ids: list[int]) -> dict[int, int]:
    source = ("(SELECT id, geom, category, reported_at FROM incidents"
              " WHERE id = ANY(CAST(:ids AS bigint[])))")
    conn.execute(text(duplicate_window_sql(source)), {"ids": ids, **RULE})
    return dict(conn.execute(text(duplicates_set_sql(source)), {"ids": ids, **RULE}).all())


def test_both_shapes_give_the_same_originals_at_the_edges(conn, town):
    n = {}
    # Distance: inside, just outside, exactly at 50 m (whatever the spheroid says).
    n["o1"] = put(conn, 1)
    n["in"] = put(conn, 1, 49.99, 90, hours=1)
    n["out"] = put(conn, 1, 50.01, 270, hours=1)
    n["at50"] = put(conn, 1, 50.0, 0, hours=2)
    # Window: exactly 72 h later is in, a second more is out (60 m apart from each other).
    n["o2"] = put(conn, 2)
    n["w72"] = put(conn, 2, 30, 90, hours=72)
    n["w72s"] = put(conn, 2, 30, 270, hours=72 + 1 / 3600)
    # Same category only; open and unmerged only.
    n["o3"] = put(conn, 3)
    n["cat"] = put(conn, 3, 5, 0, hours=1, category=B)
    n["closed"] = put(conn, 4, status="closed")
    n["merged"] = put(conn, 4, 3, 0, merged=n["closed"])
    n["late4"] = put(conn, 4, 5, 0, hours=1)
    # The earlier is the original (same time: the lower id); of equals the latest, the
    # highest id; the nearest first.
    n["p5"], n["q5"] = put(conn, 5), put(conn, 5)
    n["r5"] = put(conn, 5, hours=1)
    n["far6"] = put(conn, 6, 20, 90)
    n["near6"] = put(conn, 6, 10, 270, hours=-1)
    n["s6"] = put(conn, 6, hours=1)
    ids = list(n.values())
    one, many = per_row(conn, ids), set_based(conn, ids)
    assert one == many
    exact = conn.execute(text(
        "SELECT ST_DWithin(a.geom::geography, b.geom::geography, 50) FROM incidents a,"
        " incidents b WHERE a.id = :a AND b.id = :b"), {"a": n["at50"], "b": n["o1"]}).scalar()
    name = {v: k for k, v in n.items()}
    assert {name[k]: name[v] for k, v in many.items()} == {
        "in": "o1", **({"at50": "o1"} if exact else {}), "w72": "o2", "q5": "p5",
        "r5": "q5", "far6": "near6", "s6": "near6"}


def test_both_shapes_agree_on_a_random_crowd(conn, town):
    rng = np.random.default_rng(23)
    ids = []
    for _ in range(400):
        merged = ids[rng.integers(len(ids))] if ids and rng.random() < 0.05 else None
        ids.append(put(conn, 7, float(rng.uniform(0, 400)), float(rng.uniform(0, 360)),
                       hours=float(rng.integers(0, 100)), category=[A, B][rng.integers(2)],
                       status=rng.choice(["reported", "accepted", "closed"], p=[.6, .2, .2]),
                       merged=merged))
    one, many = per_row(conn, ids), set_based(conn, ids)
    assert one == many
    assert 50 < len(many) < 300  # both flagged and unflagged rows


def test_the_import_flags_stored_incidents_and_its_own_rows(runner, conn, town, tmp_path):
    lon, lat = xy(1, 1)
    before = conn.execute(text(
        "INSERT INTO incidents (category, geom, source, reported_at, status, priority)"
        " VALUES (:cat, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'patrol',"
        " '2026-11-20T08:00:00+08:00', 'reported', 2) RETURNING id"),
        {"cat": A, "lon": lon, "lat": lat}).scalar_one()
    path = tmp_path / "hotline.csv"
    path.write_bytes(csv_bytes(line("F1", point=(1.0003, 1)), line("F2", point=(3, 1.5)),
                               line("F3", point=(3.0002, 1.5), at="2026-11-20T10:00:00+08:00"),
                               line("F4", category=B, point=(1, 1))))
    assert run_import(runner, path).exit_code == 0
    rows = stored(conn)
    ids = dict(conn.execute(text("SELECT external_id, id FROM incidents"
                                 " WHERE external_id LIKE 'F_'")).all())
    assert rows["F1"].duplicate_of_id == before
    assert rows["F3"].duplicate_of_id == ids["F2"]
    assert rows["F2"].duplicate_of_id is None and rows["F4"].duplicate_of_id is None
