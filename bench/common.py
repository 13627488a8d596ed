"""Shared benchmark plumbing: the bench cluster, the city data, timing and the table."""

from __future__ import annotations

import json
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
    """A browser context that reaches only ``base`` (tiles and the like are refused), in
    Chinese as the users' browsers ask (headless Chromium asks for en-US)."""
    context = browser.new_context(**{"locale": "zh-CN", **options})
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
    """Bytes per URL as the page receives them from now on, the cache off (CDP): headers
    and bodies as they arrive (``encodedDataLength``); refused requests (tiles) count 0."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls: dict[str, str] = {}
    received: dict[str, int] = {}

    def finished(event: dict) -> None:
        url = urls.get(event["requestId"], event["requestId"])
        received[url] = received.get(url, 0) + int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent",
           lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", finished)
    return received


BASEMAP_KEY = "gridmap.basemap"  # where static/js/lib/basemaps.js keeps the user's choice
GCOORD = "/static/vendor/gcoord/"  # loaded by static/js/lib/crs.js for GCJ-02 only
GCJ02_BASEMAPS = {"amap"}


@dataclass
class Load:
    """One first load: bytes per URL, the basemap the page drew, what ``ready`` returned."""

    by_url: dict[str, int]
    basemap: str
    ready: object = None

    @property
    def total(self) -> int:
        return sum(self.by_url.values())

    @property
    def gcoord(self) -> bool:
        return any(GCOORD in url for url in self.by_url)

    @property
    def gcoord_as_expected(self) -> bool:
        """gcoord came if and only if the basemap draws in GCJ-02."""
        return self.gcoord == (self.basemap in GCJ02_BASEMAPS)

    def heaviest(self, n: int = 4) -> str:
        top = sorted(self.by_url.items(), key=lambda kv: -kv[1])[:n]
        return ", ".join(f"{_name(url)} {size / 1e3:.0f} kB" for url, size in top)

    def repeated(self) -> str:
        """The paths asked for more than once (with other queries), and their bytes."""
        paths: dict[str, list[int]] = {}
        for url, size in self.by_url.items():
            paths.setdefault(url.split("?")[0], []).append(size)
        return ", ".join(f"{_name(path)} x{len(sizes)} {sum(sizes) / 1e3:.0f} kB"
                         for path, sizes in paths.items() if len(sizes) > 1) or "none"


def _name(url: str) -> str:
    return url.split("?")[0].rsplit("/", 1)[-1] or url


def first_load(context, page, url: str, basemap: str, ready: Callable) -> Load:
    """Everything ``page`` receives loading ``url`` (cache off) until ``ready(page)`` has
    returned and the network is idle, with ``basemap`` chosen beforehand as a returning
    user's kept choice; checks that the page drew that basemap."""
    page.add_init_script(f"try {{ localStorage.setItem({json.dumps(BASEMAP_KEY)}, "
                         f"{json.dumps(basemap)}); }} catch (e) {{}}")
    received = bytes_received(context, page)
    page.goto(url)
    answer = ready(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    shown = page.evaluate("[...document.querySelectorAll('.leaflet-container[data-basemap]')]"
                          ".map((e) => e.dataset.basemap)")
    if shown != [basemap] or not received:
        raise RuntimeError(f"{url}: wanted basemap {basemap}, the page drew {shown} "
                           f"({len(received)} responses)")
    return Load(dict(received), basemap, answer)


def weight_notes(loads: dict[str, list[Load]]) -> list[str]:
    """Per load: the heaviest responses and whether gcoord came (it should only on GCJ-02)."""
    return [f"{name}: {len(runs[0].by_url)} responses; heaviest {runs[0].heaviest()}; "
            f"asked again: {runs[0].repeated()}; gcoord loaded: "
            f"{'yes' if runs[0].gcoord else 'no'}" for name, runs in loads.items()]


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
