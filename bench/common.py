"""Shared benchmark plumbing: the bench cluster, the city data, timing and the table."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import pgcluster  # noqa: E402

DATADIR = Path(os.environ.get("GRIDMAP_BENCH_PGDATA", ROOT / "var" / "bench-pg"))
PORT = int(os.environ.get("GRIDMAP_BENCH_PGPORT", "54339"))
DB = os.environ.get("GRIDMAP_BENCH_DB", "gridmap_bench")
OUT = ROOT / "bench" / "out"


def database_url(db: str = DB) -> str:
    return pgcluster.url(PORT, db)


def flask(*args: str, db: str = DB, check: bool = True,
          stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(db)}
    return subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *args],
                          input=stdin, cwd=ROOT, env=env, check=check, capture_output=True,
                          text=True)


def staff_user(name: str, role: str, password: str, *scope: str) -> None:
    """A staff account for a page benchmark (kept if it exists), with ``password``."""
    flask("users", "create", name, "--role", role, *scope, stdin=password + "\n", check=False)
    flask("users", "password", name, stdin=password + "\n")


def local_context(browser, base: str, **options):
    """A browser context that reaches only ``base`` (tiles and the like are refused)."""
    context = browser.new_context(**options)
    context.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
        base) else route.continue_())
    return context


def sign_in(page, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("button.btn-primary[type=submit]")
    page.wait_for_load_state("networkidle")


def bytes_received(context, page) -> dict[str, int]:
    """Bytes per request as the page receives them from now on, the cache off (CDP)."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    received: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: received.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    return received


def start_cluster() -> None:
    """A production-like cluster (fsync on), kept under var/ between runs."""
    pgcluster.start(DATADIR, port=PORT, db=DB, fast=False)


def ensure_city() -> None:
    """Migrate and load the ``city`` demo once; later runs reuse it."""
    flask("db", "upgrade")
    result = flask("demo", "--size", "city", "--if-empty")
    if result.stderr.strip():
        print(result.stderr.strip().splitlines()[-1], file=sys.stderr)


def run_sql(engine, sql: str) -> None:
    """Run ';'-separated statements in autocommit (VACUUM, CHECKPOINT and DDL need it)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for statement in filter(str.strip, sql.split(";")):
            conn.exec_driver_sql(statement)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


@dataclass
class Row:
    task: str
    ours: str
    plain: str
    ratio: str
    target: str
    ok: bool | None = None
    notes: list[str] = field(default_factory=list)


def speedup_row(task: str, ours: list[float], plain: list[float], plain_label: str,
                target: float, detail: str) -> Row:
    """A row for "ours is at least ``target`` times faster than the plain tool"."""
    ratio = median(plain) / median(ours)
    return Row(
        task=task, ours=f"{median(ours):.1f} s", plain=f"{median(plain):.1f} s ({plain_label})",
        ratio=f"{ratio:.1f}x faster", target=f">= {target:g}x faster", ok=ratio >= target,
        notes=[f"runs: ours {', '.join(f'{t:.1f}' for t in ours)} s; plain "
               f"{', '.join(f'{t:.1f}' for t in plain)} s; {detail}"])


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_table(rows: list[Row]) -> str:
    header = ("task", "gridmap", "plain tool, same run", "ratio", "target", "met")
    lines = [header] + [(r.task, r.ours, r.plain, r.ratio, r.target,
                         {True: "yes", False: "NO", None: "-"}[r.ok]) for r in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    text = []
    for i, line in enumerate(lines):
        text.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True))
                    + " |")
        if i == 0:
            text.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        for note in r.notes:
            text.append(f"  {r.task}: {note}")
    table = "\n".join(text)
    print(table)
    return table
