"""The monthly report (issue 22) of the whole `city` demo (10,000 grids, 1,000,000
incidents): the XLSX and the PDF through ``geo.stats.report.monthly.monthly_report``, the
function ``flask reports monthly`` and ``GET /api/v1/reports/monthly/<month>.<ext>`` call,
against the plain tool: the grid and street numbers computed straight from the history by
one SQL statement each (``bench_evaluation``'s) and written by pandas' ``to_excel``.

The city needs the loop's history (ratings, 返工, extensions, 督办) once:
``bench_evaluation`` adds it on first use, and so does this.
"""

from __future__ import annotations

import datetime as dt
import io
import time

from sqlalchemy import Engine, text

from bench.common import Row, median

TZ = "Asia/Shanghai"
TARGET_S = 30.0  # issue 22: the monthly XLSX + PDF for the whole city


def _plain(conn, month: str) -> int:
    import pandas as pd

    from bench.bench_evaluation import _KEYS, _PLAIN
    from geo.stats import evaluation

    _, _, t0, t1 = evaluation.month_period(month, TZ)
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as book:
        for level in ("street", "grid"):
            frame = pd.read_sql(text(_PLAIN.format(key=_KEYS[level], bucket="''")), conn,
                                params={"t0": t0, "t1": t1})
            frame.to_excel(book, sheet_name=level, index=False)
    return len(out.getvalue())


def run(engine: Engine, reps: int) -> list[Row]:
    from bench.bench_evaluation import _loop_history
    from geo.stats import caseload, rollup
    from geo.stats.report import monthly

    note = _loop_history(engine)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        caseload.refresh(conn, limit=None)
        rollup.refresh(conn)  # as the report's command and route do
        last = conn.execute(text("SELECT max(reported_at) FROM incidents")).scalar()
    local = last.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    month = (local.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    now = dt.datetime.now(dt.UTC)
    ours, sizes, plain = {"xlsx": [], "pdf": []}, {}, []
    with engine.connect() as conn:
        for rep in range(max(reps, 1) + 1):  # the first warms the cache
            for fmt in ("xlsx", "pdf"):
                started = time.perf_counter()
                sizes[fmt] = len(monthly.monthly_report(conn, month, fmt, timezone=TZ,
                                                        now=now))
                if rep:
                    ours[fmt].append(time.perf_counter() - started)
                conn.rollback()
            started = time.perf_counter()
            _plain(conn, month)
            if rep:
                plain.append(time.perf_counter() - started)
            conn.rollback()
    both = [x + p for x, p in zip(ours["xlsx"], ours["pdf"], strict=True)]
    return [Row(
        task=f"monthly report {month}, whole city: XLSX + PDF",
        ours=f"{median(both):.1f} s",
        plain=f"{median(plain):.1f} s (grid + street numbers by one SQL each from the "
              "history, pandas to_excel)",
        ratio=f"{median(plain) / median(both):.1f}x the plain tool's speed",
        target=f"< {TARGET_S:g} s", ok=median(both) < TARGET_S,
        notes=[note, f"XLSX {median(ours['xlsx']):.1f} s ({sizes['xlsx'] / 1e6:.1f} MB, "
               f"5 levels), PDF {median(ours['pdf']):.1f} s ({sizes['pdf'] / 1e6:.1f} MB)",
               "runs: ours " + ", ".join(f"{t:.1f}" for t in both) + " s; plain "
               + ", ".join(f"{t:.1f}" for t in plain) + " s"])]
