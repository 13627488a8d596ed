"""A patrol's batch of 500 points on the `city` demo: ``geo.field.store.patrols.add_points``
(store the points, place each in a grid by the assignment rule, update the grids walked, in
one statement) against the plain INSERT of the same 500 points, in the same run. Each
repetition is a new patrol in a transaction rolled back afterwards: the city stays as it was.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Engine, text

from bench.common import Row, median, timed
from geo.field.store import patrols as store

POINTS = 500
_PLAIN = """INSERT INTO patrol_points (patrol_id, at, geom, accuracy_m)
            SELECT :patrol, at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), acc
              FROM unnest(CAST(:ats AS timestamptz[]), CAST(:lons AS float8[]),
                          CAST(:lats AS float8[]), CAST(:accs AS float8[]))
                   AS b(at, lon, lat, acc)"""


def _walk(conn) -> list[tuple]:
    """500 points across the box of the first community's grids (a walk of a few km)."""
    x0, y0, x1, y1 = conn.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(g.geom)"
        " e FROM grids g WHERE g.valid_to IS NULL AND g.community_id = (SELECT min(id)"
        " FROM communities)) x")).one()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    return [(start + dt.timedelta(seconds=30 * i), x0 + (x1 - x0) * i / POINTS,
             y0 + (y1 - y0) * i / POINTS, 8.0) for i in range(POINTS)]


def _patrol(conn) -> int:
    return conn.execute(text(
        "INSERT INTO patrols (client_id, member_id, started_at, status) SELECT :c, min(id),"
        " now() - interval '6 hours', 'walking' FROM grid_members RETURNING id"),
        {"c": uuid.uuid4()}).scalar_one()


def _once(engine: Engine, fn) -> tuple[float, int]:
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            points = _walk(conn)
            patrol = _patrol(conn)
            seconds = timed(lambda: fn(conn, patrol, points))
            walked = conn.execute(text("SELECT count(*) FROM patrol_grids WHERE patrol_id = :p"),
                                  {"p": patrol}).scalar()
        finally:
            trans.rollback()
    return seconds, walked


def _plain(conn, patrol: int, points: list[tuple]) -> None:
    ats, lons, lats, accs = (list(c) for c in zip(*points, strict=True))
    conn.execute(text(_PLAIN), {"patrol": patrol, "ats": ats, "lons": lons, "lats": lats,
                                "accs": accs})


def run(engine: Engine, reps: int) -> Row:
    ours, plain, walked = [], [], 0
    for _ in range(max(reps, 3)):
        seconds, walked = _once(engine, lambda c, p, pts: store.add_points(c, p, pts, 50.0))
        ours.append(seconds)
        plain.append(_once(engine, _plain)[0])
    ratio = median(ours) / median(plain)
    return Row(task=f"patrol points batch ({POINTS}) with grids walked",
               ours=f"{median(ours) * 1000:.0f} ms",
               plain=f"{median(plain) * 1000:.0f} ms (INSERT only)",
               ratio=f"{ratio:.1f}x the plain", target="< 500 ms", ok=median(ours) < 0.5,
               notes=[f"runs: ours {', '.join(f'{t * 1000:.0f}' for t in ours)} ms; plain "
                      f"{', '.join(f'{t * 1000:.0f}' for t in plain)} ms; {walked} grids "
                      "walked per batch"])
