"""Load 1,000,000 incidents from CSV and locate them: gridmap vs COPY + naive UPDATE."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, text

from bench.common import OUT, Row, database_url, run_sql, speedup_row, timed
from geo.ingest import ingest_csv

DB = "gridmap_bench_ingest"
CSV = OUT / "incidents-1m.csv"
NAIVE_TABLE = """
    DROP TABLE IF EXISTS naive_incidents;
    CREATE TABLE naive_incidents (
        id bigserial PRIMARY KEY, external_id text, category text, description text,
        address text, source text, priority int, reported_at timestamptz,
        lon float8, lat float8,
        geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326))
            STORED,
        grid_id int, community_id int);
    CREATE INDEX ON naive_incidents USING gist (geom)
"""
NAIVE_UPDATE = """
    UPDATE naive_incidents i SET grid_id = g.id, community_id = g.community_id
      FROM grids g WHERE g.valid_to IS NULL AND ST_Covers(g.geom, i.geom)
"""


def prepare(main: Engine) -> Engine:
    """The CSV (exported once from the city demo) and a database holding only its grids."""
    import subprocess

    import pgcluster

    from bench.common import PORT, flask

    OUT.mkdir(parents=True, exist_ok=True)
    if not CSV.exists():
        with main.connect() as conn, CSV.open("w", encoding="utf-8") as out:
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.copy_expert(
                "COPY (SELECT external_id, category, description, address, source, priority,"
                " to_char(reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                " AS reported_at, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM incidents"
                " WHERE geom IS NOT NULL ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", out)
    pgcluster.create_database(PORT, DB)
    flask("db", "upgrade", db=DB)
    engine = create_engine(database_url(DB))
    with engine.connect() as conn:
        empty = conn.execute(text("SELECT count(*) FROM grids")).scalar_one() == 0
    if empty:
        dump = subprocess.run(
            [str(pgcluster.bindir() / "pg_dump"), "-h", "127.0.0.1", "-p", str(PORT), "-U",
             "postgres", "--data-only", "-t", "communities", "-t", "grids", "gridmap_bench"],
            check=True, capture_output=True)
        subprocess.run([str(pgcluster.bindir() / "psql"), "-h", "127.0.0.1", "-p", str(PORT),
                        "-U", "postgres", "-q", "-d", DB], input=dump.stdout, check=True,
                       capture_output=True)
    return engine


def _naive(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        with CSV.open(encoding="utf-8") as f:
            cursor.copy_expert(
                "COPY naive_incidents (external_id, category, description, address, source,"
                " priority, reported_at, lon, lat) FROM STDIN WITH (FORMAT csv, HEADER)", f)
        conn.exec_driver_sql(NAIVE_UPDATE)


def run(main: Engine, reps: int) -> Row:
    engine = prepare(main)
    rows = sum(1 for _ in CSV.open(encoding="utf-8")) - 1
    ours, naive, located = [], [], {}
    for _ in range(reps):
        run_sql(engine, "TRUNCATE resident_reports, incident_events, incident_locations, incidents;"
                     " DROP TABLE IF EXISTS naive_incidents; CHECKPOINT")

        def ingest() -> None:
            with engine.begin() as conn:
                located.update(ingest_csv(conn, CSV).located)

        ours.append(timed(ingest))
        run_sql(engine, NAIVE_TABLE + "; CHECKPOINT")
        naive.append(timed(lambda: _naive(engine)))
    run_sql(engine, "DROP TABLE IF EXISTS naive_incidents")
    engine.dispose()
    return speedup_row(f"load {rows:,} incidents from CSV, located (end to end)", ours, naive,
                       "COPY + naive UPDATE", 3, f"located {located}")
