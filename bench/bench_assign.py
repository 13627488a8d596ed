"""Assign 1,000,000 stored incidents to 10,000 grids: gridmap vs the naive UPDATE."""

from __future__ import annotations

from sqlalchemy import Engine, text

from bench.common import Row, run_sql, speedup_row, timed
from geo.places.assign import assign_incidents

NAIVE_SETUP = """
    DROP TABLE IF EXISTS naive_incidents;
    CREATE TABLE naive_incidents (LIKE incidents INCLUDING DEFAULTS INCLUDING INDEXES);
    ALTER TABLE naive_incidents ADD COLUMN grid_id int, ADD COLUMN community_id int;
    INSERT INTO naive_incidents SELECT * FROM incidents;
    VACUUM ANALYZE naive_incidents;
"""
# The obvious statement: every point probes the grids, every row is rewritten in place.
NAIVE = """
    UPDATE naive_incidents i SET grid_id = g.id, community_id = g.community_id
      FROM grids g WHERE g.valid_to IS NULL AND ST_Covers(g.geom, i.geom)
"""


def run(engine: Engine, reps: int) -> Row:
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
    ours, naive, counts = [], [], {}
    for _ in range(reps):
        run_sql(engine, "TRUNCATE incident_locations; VACUUM ANALYZE incidents; CHECKPOINT")

        def assign() -> None:
            with engine.begin() as conn:
                counts.update(assign_incidents(conn))

        ours.append(timed(assign))
        run_sql(engine, NAIVE_SETUP + "; CHECKPOINT")
        naive.append(timed(lambda: run_sql(engine, NAIVE)))
    run_sql(engine, "DROP TABLE IF EXISTS naive_incidents")
    return speedup_row(f"assign {n:,} stored incidents (flask assign)", ours, naive,
                       "naive UPDATE…ST_Covers", 2.5, f"located {counts}")
