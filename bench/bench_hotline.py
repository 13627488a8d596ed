"""Import a 100,000-row hotline CSV on the city demo (parse, check, locate, route, store)
vs the bare set-based join (COPY + one INSERT ... SELECT through the location rule).

Both run in a transaction that is rolled back, so the bench database stays as it is.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from bench.common import OUT, Row, median, run_sql, speedup_row
from geo.demo.names import CATEGORIES
from geo.incidents import imports
from geo.incidents.intake import Rules
from geo.places.assign import locate_sql

CSV = OUT / "hotline-100k.csv"
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


def make_csv(engine: Engine) -> None:
    """Rows near random city buildings (a few metres off), local times of the last two
    days, some located by building code or by address only; tickets not yet stored."""
    rng = np.random.default_rng(12345)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT setseed(0.12345)")
        found = pd.DataFrame(conn.execute(text(
            "SELECT code, address, ST_X(p) AS lon, ST_Y(p) AS lat FROM buildings,"
            " ST_PointOnSurface(geom) p ORDER BY random() LIMIT :n"), {"n": ROWS}).all())
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
    frame.rename(columns=HEADERS).to_csv(CSV, index=False, encoding="utf-8")


def _ours(engine: Engine, data: bytes) -> tuple[float, imports.ImportResult]:
    opts = imports.options(CSV.name, mapping=HEADERS)
    who = imports.Importer("bench", RULES, (73.0, 3.0, 136.0, 54.0))
    with engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        result = imports.import_rows(conn, imports.read(data, opts, CSV.name), who)
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


def run(engine: Engine, reps: int) -> Row:
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
    return speedup_row(f"import {rows:,} hotline rows from CSV (check, locate, route, store)",
                       ours, bare, "COPY + bare locate join", 0.33, detail)
