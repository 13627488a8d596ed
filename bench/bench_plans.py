"""Redraw plans on the city demo: check + impact, publish, and deriving grids from buildings.

The community with the number of current grids nearest 60 is redrawn by building-based
editing: the buildings of every grid whose code ends in 0 or 5 go to the neighbour it
shares the longest border with (those grids are merged away), and the grids that gain or
lose buildings (the merged ones and their neighbours) are derived again from the
buildings (the others keep their boundaries: geo.plans.derive), so those grids get new
boundaries, their buildings are re-assigned, open incidents change grid and worker, and the
workers of the merged grids are listed.
Everything runs in transactions that are rolled back: the bench database is left as it
was.

Plain tools, same run: deriving with PostGIS alone (ST_VoronoiPolygons of the footprints'
vertices, labelled by a GiST join and dissolved with ST_Union, without the building
correction); publishing compared with loading the same grids through the layer import
(`flask layers import grids`: versions and the same re-homing of incidents, buildings and
party members, no checks); check + impact compared with shapely's coverage validation of
the same grids (overlap and gap edges only).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Engine, text

from bench.common import Row, median, timed
from geo.layers import files
from geo.layers.store import load as store
from geo.plans import buildings as planbuildings
from geo.plans import check as plancheck
from geo.plans import derive as planderive
from geo.plans import drafts
from geo.plans import impact as planimpact
from geo.plans import publish as planpublish
from geo.plans.side import Side

PICK = """
    SELECT c.id, c.code, count(*) AS grids FROM communities c
      JOIN grids g ON g.community_id = c.id AND g.valid_to IS NULL
     GROUP BY c.id, c.code ORDER BY abs(count(*) - 60), count(*) DESC, c.code LIMIT 1
"""

MERGE = """
    WITH victims AS (
        SELECT id, code, geom FROM grids
         WHERE community_id = :c AND valid_to IS NULL AND right(code, 1) IN ('0', '5')),
    neighbour AS (
        SELECT DISTINCT ON (v.id) v.id, g.code AS to_code
          FROM victims v JOIN grids g ON g.community_id = :c AND g.valid_to IS NULL
           AND g.code NOT IN (SELECT code FROM victims) AND ST_Intersects(v.geom, g.geom)
         ORDER BY v.id, ST_Length(ST_Intersection(ST_Boundary(v.geom), g.geom)) DESC)
    INSERT INTO plan_buildings (plan_id, building_id, grid_code)
    SELECT :p, b.id, n.to_code FROM buildings b JOIN neighbour n ON n.id = b.grid_id
"""

PLAIN_DERIVE = """
    CREATE TEMP TABLE pd_pts ON COMMIT DROP AS
      SELECT DISTINCT ON (d.geom) b.grid_code, d.geom
        FROM (SELECT pb.code AS grid_code, bb.geom FROM buildings bb
                JOIN grids pb ON pb.id = bb.grid_id WHERE bb.community_id = :c) b,
             ST_DumpPoints(ST_Boundary(b.geom)) d;
    CREATE INDEX ON pd_pts USING gist (geom);
    ANALYZE pd_pts;
    CREATE TEMP TABLE pd_cells ON COMMIT DROP AS
      SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(p.geom), 0,
                                         ST_Expand(c.geom, 0.01)))).geom AS geom
        FROM pd_pts p, communities c WHERE c.id = :c GROUP BY c.geom;
    CREATE TEMP TABLE pd_grids ON COMMIT DROP AS
      SELECT p.grid_code, ST_Intersection(ST_Union(v.geom), c.geom) AS geom
        FROM pd_cells v JOIN pd_pts p ON ST_Intersects(v.geom, p.geom), communities c
       WHERE c.id = :c GROUP BY p.grid_code, c.geom
"""


def run(engine: Engine, reps: int) -> list[Row]:
    with engine.connect() as conn:
        cid, code, n_grids = conn.execute(text(PICK)).one()
        n_buildings = conn.execute(text("SELECT count(*) FROM buildings WHERE community_id"
                                        " = :c"), {"c": cid}).scalar_one()
    times: dict[str, list[float]] = {k: [] for k in (
        "derive", "plain_derive", "check_impact", "plain_check", "publish", "plain_publish")}
    seen: dict = {}
    for _ in range(reps):
        _one_round(engine, cid, code, times, seen)
    label = f"{code}: {n_grids} grids, {n_buildings:,} buildings"
    return [
        _row(f"derive grids from building assignments ({label})", times["derive"],
             times["plain_derive"], "PostGIS Voronoi + ST_Union, no building correction",
             2.0, f"{seen['derived']} grids derived"),
        _row(f"check + impact of a redraw plan ({label})", times["check_impact"],
             times["plain_check"], "shapely coverage validation: overlaps and gaps only",
             2.0, f"check {seen['check']}; impact: {seen['impact']}"),
        _row(f"publish a redraw plan with its re-assignments ({label})", times["publish"],
             times["plain_publish"], "layer import of the same grids, same re-homing, no checks",
             5.0, f"publish: {seen['publish']}"),
    ]


def _one_round(engine: Engine, cid: int, code: str, times: dict, seen: dict) -> None:
    with engine.connect() as conn:
        tx = conn.begin()
        plan_id = drafts.create(conn, cid, "bench", "current", user_id=None)
        conn.execute(text(MERGE), {"c": cid, "p": plan_id})
        ref = drafts.claim(conn, plan_id, 1, None)

        def derive() -> None:
            rows = planderive.derive_rows(conn, plan_id, cid,
                                          planbuildings.effective(conn, plan_id, cid))
            drafts.replace_grids(conn, ref, rows)
            seen["derived"] = len(rows)

        times["derive"].append(timed(derive))
        side = Side(cid, plan_id=plan_id)

        def check_impact() -> None:
            report = plancheck.check(conn, side, code, plancheck.Rules())
            impact = planimpact.impact(conn, Side(cid), side, 50.0)
            seen["check"] = {"ok": report["ok"], **report["summary"]["counts"]}
            seen["impact"] = {"buildings_moved": len(impact["buildings_moved"]),
                              "incidents_moved": len(impact["incidents_moved"])}

        times["check_impact"].append(timed(check_impact))
        times["plain_check"].append(timed(lambda: _coverage_check(conn, plan_id, cid)))
        grids_file = _export_plan(conn, plan_id, code)
        conn.execute(text("SAVEPOINT before_publish"))

        def publish() -> None:
            done = planpublish.publish(conn, ref, plancheck.Rules(), actor="bench",
                                       user_id=None, snap_meters=50.0)
            seen["publish"] = {**{k: len(v) for k, v in done.grids.items() if v},
                               "buildings_reassigned": done.buildings_reassigned,
                               "incidents_moved": len(done.incidents),
                               "workers_to_repost": len(done.workers_to_repost)}

        times["publish"].append(timed(publish))
        conn.execute(text("ROLLBACK TO SAVEPOINT before_publish"))
        times["plain_publish"].append(timed(lambda: _layer_import(conn, grids_file)))
        grids_file.unlink()
        tx.rollback()
    with engine.connect() as conn:
        tx = conn.begin()
        times["plain_derive"].append(timed(lambda: _plain_derive(conn, cid)))
        tx.rollback()


def _plain_derive(conn, cid: int) -> None:
    for statement in filter(str.strip, PLAIN_DERIVE.split(";")):
        conn.execute(text(statement), {"c": cid})


def _coverage_check(conn, plan_id: int, cid: int) -> None:
    rows = conn.execute(text("SELECT ST_AsBinary(geom) FROM plan_grids WHERE plan_id = :p"),
                        {"p": plan_id}).scalars().all()
    grids = shapely.from_wkb([bytes(r) for r in rows])
    community = shapely.from_wkb(bytes(conn.execute(text(
        "SELECT ST_AsBinary(geom) FROM communities WHERE id = :c"), {"c": cid}).scalar_one()))
    shapely.coverage_invalid_edges(np.asarray(grids))
    shapely.difference(community, shapely.coverage_union_all(grids))


def _export_plan(conn, plan_id: int, code: str) -> Path:
    body = drafts.grids_geojson(conn, plan_id)
    for feature in body["features"]:
        feature["properties"] = {"code": feature["properties"]["code"],
                                 "name": feature["properties"]["name"], "parent": code}
    path = Path(tempfile.mkstemp(suffix=".geojson", prefix="bench-plan-")[1])
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def _layer_import(conn, path: Path) -> None:
    conn.execute(text("SAVEPOINT before_import"))
    raw = files.read_layer(path)
    prepared = files.prepare(raw, "grids")
    store.import_layer(conn, prepared, source=str(path), sha256="bench", options={})
    conn.execute(text("ROLLBACK TO SAVEPOINT before_import"))


def _row(task: str, ours: list[float], plain: list[float], plain_label: str, limit: float,
         detail: str) -> Row:
    ratio = median(ours) / median(plain)
    return Row(task=task, ours=f"{median(ours):.2f} s",
               plain=f"{median(plain):.2f} s ({plain_label})",
               ratio=f"{ratio:.2f}x the time", target=f"< {limit:g} s",
               ok=median(ours) < limit,
               notes=[f"runs: ours {', '.join(f'{t:.2f}' for t in ours)} s; plain "
                      f"{', '.join(f'{t:.2f}' for t in plain)} s; {detail}"])
