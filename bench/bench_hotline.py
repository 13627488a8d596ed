"""Import hotline CSVs on the city demo through the engine ``flask incidents import`` runs
(``geo.incidents.imports.import_file``: read in chunks, check, locate, route, flag, store
with history):

- 100,000 rows vs the bare set-based join (COPY + one INSERT ... SELECT through the
  location rule);
- 1,000,000 rows vs COPY + a naive UPDATE locating the rows, and the peak RSS of a
  process importing them (a child process running the same call).

Everything runs in a transaction that is rolled back, so the bench database stays as it is.
``GRIDMAP_BENCH_HOTLINE_SKIP_1M=1`` runs the 100,000-row half only (the million-row run
takes minutes and a second process's memory; for measuring the 100,000-row target).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from bench.common import OUT, ROOT, Row, database_url, median, run_sql, speedup_row
from geo.demo.names import CATEGORIES
from geo.incidents import imports
from geo.incidents.intake import Rules
from geo.places.assign import locate_sql

CSV = OUT / "hotline-100k.csv"
CSV_1M = OUT / "hotline-1m.csv"
ROWS = 100_000
BY_CODE, BY_ADDRESS = 0.08, 0.02  # shares of rows located by building code, by address
HEADERS = {"external_id": "工单编号", "reported_at": "受理时间", "category": "问题类型",
           "description": "问题描述", "address": "地址", "building": "楼栋编码",
           "lon": "经度", "lat": "纬度", "source": "来源", "priority": "紧急程度",
           "reporter_name": "联系人", "reporter_phone": "联系电话"}
WHAT = ("楼道堆放杂物", "路灯不亮", "夜间施工噪音", "井盖破损", "占道经营", "垃圾清运不及时",
        "消防通道被占用", "违规搭建", "漏水", "邻里纠纷")
# Settings as app.config has them by default (the bench runs without an app).
RULES = Rules(snap_m=50.0, boundary_m=20.0, duplicate_m=50.0, duplicate_hours=72,
              work_hours="08:30-12:00,13:30-17:30", work_weekdays="1,2,3,4,5",
              timezone="Asia/Shanghai")
# Each run's rolled-back rows leave dead entries in the incidents' indexes, which the
# next run's index probes would wade through: cleared before each run.
TIDY = "VACUUM incidents, incident_locations, incident_events; CHECKPOINT"
BARE = """
    CREATE TEMP TABLE bare (external_id text, reported_at text, category text,
        description text, address text, building text, lon float8, lat float8, source text,
        priority int, reporter_name text, reporter_phone text);
    COPY bare FROM STDIN WITH (FORMAT csv, HEADER);
"""
# The same rows land (incidents and their grid), through the same location rule, with no
# checks, routing, deadlines, history or flags.
BARE_INSERT = f"""
    WITH ins AS (
        INSERT INTO incidents (category, description, geom, address, source, external_id,
                               reported_at, status, priority, reporter_name, reporter_phone)
        SELECT x.category, x.description,
               coalesce(ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4326),
                        ST_PointOnSurface(coalesce(b.geom, a.geom))),
               x.address, x.source, x.external_id,
               CAST(x.reported_at AS timestamp) AT TIME ZONE 'Asia/Shanghai', 'reported',
               x.priority, x.reporter_name, x.reporter_phone
          FROM bare x
          LEFT JOIN buildings b ON b.code = x.building
          LEFT JOIN buildings a ON x.building IS NULL AND x.lon IS NULL
                               AND a.address = x.address
        RETURNING id, geom)
    INSERT INTO incident_locations (incident_id, grid_id, community_id, state, snap_distance_m)
    SELECT ins.id, loc.* FROM ins CROSS JOIN LATERAL ({locate_sql("ins.geom")}) loc
"""


def make_csv(engine: Engine, path=CSV, rows: int = ROWS) -> None:
    """Rows near random city buildings (a few metres off), local times of the last two
    days, some located by building code or by address only; tickets not yet stored."""
    rng = np.random.default_rng(12345)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT setseed(0.12345)")
        found = pd.DataFrame(conn.execute(text(
            "SELECT code, address, ST_X(p) AS lon, ST_Y(p) AS lat FROM buildings,"
            " ST_PointOnSurface(geom) p ORDER BY random() LIMIT :n"), {"n": rows}).all())
    if len(found) < rows:  # more rows than buildings: buildings drawn again
        found = found.iloc[rng.integers(0, len(found), rows)].reset_index(drop=True)
    n = len(found)
    how = rng.choice(3, n, p=[1 - BY_CODE - BY_ADDRESS, BY_CODE, BY_ADDRESS])
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    at = (pd.Timestamp(now.replace(tzinfo=None))
          - pd.to_timedelta(rng.integers(3600, 48 * 3600, n), unit="s"))
    point = how == 0
    frame = pd.DataFrame({
        "external_id": [f"BENCH-HL-{i:07d}" for i in range(n)],
        "reported_at": at.strftime("%Y-%m-%d %H:%M:%S"),
        "category": rng.choice(list(CATEGORIES), n, p=[v[0] for v in CATEGORIES.values()]),
        "description": rng.choice(WHAT, n),
        "address": np.where(how != 1, found["address"], ""),
        "building": np.where(how == 1, found["code"], ""),
        "lon": np.where(point, (found["lon"] + rng.normal(0, 5e-5, n)).round(7), np.nan),
        "lat": np.where(point, (found["lat"] + rng.normal(0, 4e-5, n)).round(7), np.nan),
        "source": "hotline", "priority": rng.choice([1, 2, 3], n, p=[0.1, 0.8, 0.1]),
        "reporter_name": rng.choice(["王先生", "李女士", "张女士", "刘先生"], n),
        "reporter_phone": [f"139{v:08d}" for v in rng.integers(0, 10**8, n)]})
    OUT.mkdir(parents=True, exist_ok=True)
    if rows > ROWS:  # tickets unique across files
        frame["external_id"] = [f"BENCH-1M-{i:07d}" for i in range(n)]
    frame.rename(columns=HEADERS).to_csv(path, index=False, encoding="utf-8")


def _ours(engine: Engine, data: bytes, name: str = CSV.name,
          ) -> tuple[float, imports.ImportResult]:
    """The CLI's call (``import_file``, all or nothing), timed from the file's bytes on."""
    opts = imports.options(name, mapping=HEADERS)
    who = imports.Importer("bench", RULES, (73.0, 3.0, 136.0, 54.0))
    with engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        result = imports.import_file(conn, data, opts, name, who)
        seconds = time.perf_counter() - started
        transaction.rollback()
    return seconds, result


def _bare(engine: Engine, data: bytes) -> float:
    with engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        create, copy = filter(str.strip, BARE.split(";"))
        conn.exec_driver_sql(create)
        with conn.connection.dbapi_connection.cursor() as cursor:
            cursor.copy_expert(copy, _Bytes(data))
        conn.execute(text(BARE_INSERT), {"snap": RULES.snap_m})
        seconds = time.perf_counter() - started
        transaction.rollback()
    return seconds


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = self.data, b""
        return data


def run(engine: Engine, reps: int) -> list[Row]:
    if os.environ.get("GRIDMAP_BENCH_HOTLINE_SKIP_1M", "") not in ("", "0"):
        return [run_100k(engine, reps)]
    return [run_100k(engine, reps), run_1m(engine)]


def run_100k(engine: Engine, reps: int) -> Row:
    if not CSV.exists():
        make_csv(engine)
    data = CSV.read_bytes()
    ours, bare, result = [], [], None
    for _ in range(reps):
        run_sql(engine, TIDY)
        seconds, result = _ours(engine, data)
        ours.append(seconds)
        run_sql(engine, TIDY)
        bare.append(_bare(engine, data))
    rows = result.rows
    detail = (f"{rows / median(ours):,.0f} rows/s vs {rows / median(bare):,.0f} rows/s bare; "
              f"loaded {result.loaded}, rejected {len(result.rejected)}, duplicates "
              f"{result.duplicates}; located {result.located}; routed {result.routed}; "
              f"flagged {result.flagged}")
    row = speedup_row(f"import {rows:,} hotline rows from CSV (check, locate, route, flag, "
                      "store, history)", ours, bare, "COPY + bare locate join", 1 / 1.5, detail)
    row.ratio = f"{median(ours) / median(bare):.2f}x the time"
    row.target = "<= 1.5x the time"
    return row


# COPY + naive UPDATE: the rows land as they are, then one UPDATE locates them.
NAIVE = """
    CREATE TEMP TABLE naive (external_id text, reported_at text, category text,
        description text, address text, building text, lon float8, lat float8, source text,
        priority int, reporter_name text, reporter_phone text, grid_id int, community_id int);
    COPY naive (external_id, reported_at, category, description, address, building, lon, lat,
                source, priority, reporter_name, reporter_phone)
      FROM STDIN WITH (FORMAT csv, HEADER)
"""
NAIVE_UPDATE = """
    UPDATE naive n SET grid_id = g.id, community_id = g.community_id
      FROM grids g WHERE g.valid_to IS NULL
       AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(n.lon, n.lat), 4326))
"""
# The import as the CLI runs it, in a child process that reports its own peak memory.
CHILD = """
import json, resource, sys, time
from sqlalchemy import create_engine
from bench.bench_hotline import CSV_1M, _ours
engine = create_engine(sys.argv[1])
seconds, result = _ours(engine, CSV_1M.read_bytes(), CSV_1M.name)
print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss / 1024, "summary": result.summary(5)}))
"""


def _naive(engine: Engine, data: bytes) -> float:
    with engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        create, copy = filter(str.strip, NAIVE.split(";"))
        conn.exec_driver_sql(create)
        with conn.connection.dbapi_connection.cursor() as cursor:
            cursor.copy_expert(copy, _Bytes(data))
        conn.execute(text(NAIVE_UPDATE))
        seconds = time.perf_counter() - started
        transaction.rollback()
    return seconds


def run_1m(engine: Engine) -> Row:
    """Once: the machine is shared and the run is long."""
    if not CSV_1M.exists():
        make_csv(engine, CSV_1M, 1_000_000)
    run_sql(engine, TIDY)
    child = subprocess.run([sys.executable, "-c", CHILD, database_url()], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    ours = json.loads(child.stdout.strip().splitlines()[-1])
    run_sql(engine, TIDY)
    naive = _naive(engine, CSV_1M.read_bytes())
    summary = ours["summary"]
    rate = summary["rows"] / ours["seconds"]
    detail = (f"{rate:,.0f} rows/s; peak RSS {ours['rss_mb']:,.0f} MB (target < 2,048 MB); "
              f"loaded {summary['loaded']}, rejected {summary['rejected_count']}; located "
              f"{summary['located']}; routed {summary['routed']}; flagged {summary['flagged']}")
    row = speedup_row(f"import {summary['rows']:,} hotline rows (CLI's engine, full checks, "
                      "locate, route, flags, history)", [ours["seconds"]], [naive],
                      "COPY + naive UPDATE", 3, detail)
    row.target = ">= 3x faster, >= 50,000 rows/s, RSS < 2 GB"
    row.ok = row.ok and rate >= 50_000 and ours["rss_mb"] < 2048
    return row
