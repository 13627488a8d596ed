"""Assign 300,000 buildings by largest overlap: gridmap vs the best plain PostGIS statement."""

from __future__ import annotations

from sqlalchemy import Engine, text

from bench.common import Row, median, run_sql, timed
from geo.places.assign import assign_buildings

# The best plain form measured (perf-anchors §3c): DISTINCT ON with the ST_CoveredBy
# shortcut, computing the assignment into a new table (nothing updated in place).
PLAIN = """
    CREATE TEMP TABLE plain_building_grids AS
    SELECT DISTINCT ON (b.id) b.id AS building_id, g.id AS grid_id
      FROM buildings b JOIN grids g ON g.valid_to IS NULL AND ST_Intersects(g.geom, b.geom)
     ORDER BY b.id, CASE WHEN ST_CoveredBy(b.geom, g.geom) THEN ST_Area(b.geom)
                         ELSE ST_Area(ST_Intersection(b.geom, g.geom)) END DESC
"""


def run(engine: Engine, reps: int) -> Row:
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM buildings")).scalar_one()
    ours, plain, changed = [], [], []
    for _ in range(reps):
        run_sql(engine, "UPDATE buildings SET grid_id = NULL, community_id = NULL;"
                        " VACUUM ANALYZE buildings; CHECKPOINT")

        def assign() -> None:
            with engine.begin() as conn:
                changed.append(assign_buildings(conn))

        ours.append(timed(assign))

        def compute() -> None:
            with engine.begin() as conn:
                conn.exec_driver_sql(PLAIN)
                conn.exec_driver_sql("DROP TABLE plain_building_grids")

        plain.append(timed(compute))
    ratio = median(ours) / median(plain)
    return Row(
        task=f"assign {n:,} buildings by largest overlap, stored",
        ours=f"{median(ours):.1f} s", plain=f"{median(plain):.1f} s (DISTINCT ON, computed only)",
        ratio=f"{ratio:.2f}x the time", target="<= 1.5x the time", ok=ratio <= 1.5,
        notes=[f"runs: ours {', '.join(f'{t:.1f}' for t in ours)} s; plain "
               f"{', '.join(f'{t:.1f}' for t in plain)} s; rows written {changed}"])
