"""Import a roster of 2,000 grid workers and 5,000 party members on the city demo, as
GBK CSV (as Excel saves it) and as XLSX, through the path ``flask people import`` takes
(``app.api.people.writes.import_roster``: read, check every row, resolve codes, write,
audit each record), against COPY of the same rows into a bare table.

Each run is in a transaction that is rolled back, so the bench database stays as it is.
Target: each import under 5 s.
"""

from __future__ import annotations

import csv
import io
import time

import numpy as np
from openpyxl import Workbook
from sqlalchemy import Engine, text

from bench.common import Row, database_url, median
from geo.people.files import HEADERS

WORKERS, MEMBERS = 2_000, 5_000
TARGET_S = 5.0
ROLES = ("专职网格员", "兼职网格员", "楼栋长", "网格指导员")


def _codes(engine: Engine) -> tuple[list[str], list[tuple[str, str]]]:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT setseed(0.19)")
        grids = conn.execute(text("SELECT code FROM grids WHERE valid_to IS NULL"
                                  " ORDER BY random() LIMIT :n"), {"n": WORKERS}).scalars().all()
        homes = conn.execute(text("SELECT b.code, g.code FROM buildings b JOIN grids g"
                                  " ON g.id = b.grid_id ORDER BY random() LIMIT :n"),
                             {"n": MEMBERS}).all()
    return list(grids), [tuple(h) for h in homes]


def rosters(engine: Engine) -> dict[str, list[list]]:
    """The two rosters as header + rows (Chinese column names)."""
    rng = np.random.default_rng(19)
    grids, homes = _codes(engine)
    workers = [list(HEADERS["workers"].values())]
    for i in range(WORKERS):
        served = ";".join(rng.choice(grids, 1 + (i % 3 == 0), replace=False))
        workers.append([f"工作人员{i:04d}", ROLES[i % len(ROLES)], served, "010-65001111",
                        f"139{i:08d}", "周一至周五 9:00-17:30", "是" if i % 4 else "否",
                        "2024-01-01", "1-5", "08:30-17:30", ""])
    members = [list(HEADERS["party-members"].values())]
    for i in range(MEMBERS):
        building, grid = homes[i % len(homes)]
        in_service = i % 4 == 0
        members.append([f"党员{i:05d}", "在职党员" if in_service else "社区党员",
                        "区税务局" if in_service else "", "" if in_service else building,
                        grid, "", f"138{i:08d}", "2024-03-01", ""])
    return {"workers": workers, "party-members": members}


def gbk_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("gbk")


def xlsx(rows: list[list]) -> bytes:
    """As Excel saves it: with the sheet's dimension up front (openpyxl's write-only mode
    leaves it out, which makes a read-only reader scan the sheet once more)."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ours(app, kind: str, data: bytes, name: str) -> tuple[float, dict]:
    from app.api.people import writes
    from app.extensions import db

    with app.app_context():
        started = time.perf_counter()
        report = writes.import_roster(kind, data, name, encoding="gbk", dry_run=False,
                                      store_good=False)
        seconds = time.perf_counter() - started
        db.session.rollback()
    return seconds, report


def _bare(engine: Engine, rows: list[list]) -> float:
    """COPY the same rows, as text, into a temporary table: the floor of any import."""
    data = io.StringIO()
    csv.writer(data).writerows(rows)
    columns = ", ".join(f"c{i} text" for i in range(len(rows[0])))
    with engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        conn.exec_driver_sql(f"CREATE TEMP TABLE bare ({columns})")
        with conn.connection.dbapi_connection.cursor() as cursor:
            data.seek(0)
            cursor.copy_expert("COPY bare FROM STDIN WITH (FORMAT csv, HEADER)", data)
        seconds = time.perf_counter() - started
        transaction.rollback()
    return seconds


def run(engine: Engine, reps: int) -> list[Row]:
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(), "SECRET_KEY": "bench"})
    out = []
    for kind, rows in rosters(engine).items():
        for fmt, data in (("GBK CSV", gbk_csv(rows)), ("XLSX", xlsx(rows))):
            name = f"{kind}.{'csv' if fmt == 'GBK CSV' else 'xlsx'}"
            ours, bare, report = [], [], {}
            for _ in range(reps):
                seconds, report = _ours(app, kind, data, name)
                ours.append(seconds)
                bare.append(_bare(engine, rows))
            out.append(Row(
                task=f"import {len(rows) - 1:,} {kind} from {fmt} (flask people import)",
                ours=f"{median(ours):.2f} s", plain=f"{median(bare):.2f} s (COPY as text)",
                ratio=f"{median(ours) / median(bare):.0f}x the COPY",
                target=f"< {TARGET_S:g} s", ok=median(ours) < TARGET_S,
                notes=[f"runs: {', '.join(f'{t:.2f}' for t in ours)} s; written "
                       f"{report.get('written')}, bad {report.get('bad')}"]))
    return out
