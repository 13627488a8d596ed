"""OGC API – Features under gunicorn: ``ogr2ogr`` of every current grid of the city through
``OAPIF:`` against ``ogr2ogr`` straight from PostGIS (``PG:``) with the same columns; and
the latency of one items page of 1,000 grids (a loop of requests from one client, at
offsets across the layer) against the same page's query run directly."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import Engine, text

from bench.bench_lookup import _free_port, _serve
from bench.common import Row, database_url, median, run_sql, timed
from geo.places import features
from geo.places.store import features as feature_store

PAGES = int(os.environ.get("GRIDMAP_BENCH_OGC_PAGES", "200"))
PG_SQL = """SELECT g.code, g.name, c.code AS community_code, c.name AS community_name,
                   coalesce(g.households, (SELECT sum(b.households)::int FROM buildings b
                                            WHERE b.grid_id = g.id)) AS households,
                   g.valid_from, g.valid_to, ST_ForcePolygonCCW(g.geom) AS geom
              FROM grids g JOIN communities c ON c.id = g.community_id
             WHERE g.valid_to IS NULL ORDER BY g.code"""


def _ogr2ogr(out: Path, *source: str) -> None:
    out.unlink(missing_ok=True)
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), *source], check=True,
                   capture_output=True, text=True)


def _count(path: Path) -> int:
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], check=True,
                          capture_output=True, text=True).stdout
    return int(info.split("Feature Count: ")[1].split()[0])


def _pg_dsn() -> str:
    url = database_url()  # postgresql+psycopg2://user@host:port/db
    user_host, db = url.split("://", 1)[1].rsplit("/", 1)
    user, host_port = user_host.split("@")
    host, port = host_port.split(":")
    return f"PG:host={host} port={port} dbname={db} user={user}"


def _export_rows(base: str, grids: int, reps: int, tmp: Path) -> Row:
    ours, plain = [], []
    for _ in range(reps):
        plain.append(timed(lambda: _ogr2ogr(tmp / "pg.gpkg", _pg_dsn(), "-sql", PG_SQL,
                                            "-nln", "grids")))
        ours.append(timed(lambda: _ogr2ogr(tmp / "oapif.gpkg", f"OAPIF:{base}/ogc", "grids",
                                           "-oo", "PAGE_SIZE=1000")))
    # GDAL 3.6 asks for 10 features a page unless told otherwise: what a user gets first
    default = timed(lambda: _ogr2ogr(tmp / "default.gpkg", f"OAPIF:{base}/ogc", "grids"))
    got = _count(tmp / "oapif.gpkg"), _count(tmp / "pg.gpkg")
    if got != (grids, grids):
        raise RuntimeError(f"feature counts differ: OAPIF {got[0]}, PG {got[1]}, "
                           f"grids {grids}")
    ratio = median(ours) / median(plain)
    return Row(
        task=f"ogr2ogr {grids:,} grids to GeoPackage through OGC API (OAPIF, pages of 1,000)",
        ours=f"{median(ours):.2f} s", plain=f"{median(plain):.2f} s (ogr2ogr PG:)",
        ratio=f"{ratio:.1f}x the time", target="report the time", ok=None,
        notes=[f"runs: OAPIF {', '.join(f'{t:.2f}' for t in ours)} s; PG "
               f"{', '.join(f'{t:.2f}' for t in plain)} s; with GDAL's default page "
               f"size (10 features, {grids // 10:,} requests): {default:.2f} s"])


def _page_rows(engine: Engine, base: str, grids: int) -> Row:
    offsets = [(i * 997) % max(grids - 1000, 1) for i in range(PAGES)]
    http, sql = [], []
    coll = features.COLLECTIONS["grids"]
    for offset in offsets[:20]:  # warm up both paths
        urllib.request.urlopen(f"{base}/ogc/collections/grids/items?limit=1000&offset={offset}"
                               ).read()
    with engine.connect() as conn:
        for offset in offsets:
            query = features.Query(limit=1000, offset=offset)
            sql.append(timed(lambda q=query: feature_store.items(conn, coll, q)) * 1000)
    for offset in offsets:
        url = f"{base}/ogc/collections/grids/items?limit=1000&offset={offset}"
        started = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            body = response.read()
        http.append((time.perf_counter() - started) * 1000)
    size = len(body) / 1e6

    def p(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))]

    return Row(
        task="GET /ogc/collections/grids/items?limit=1000, gunicorn, 1 client",
        ours=f"p50 {p(http, 0.5):.0f} ms, p99 {p(http, 0.99):.0f} ms",
        plain=f"p50 {p(sql, 0.5):.0f} ms, p99 {p(sql, 0.99):.0f} ms (the page's SQL alone)",
        ratio=f"{p(http, 0.99) / p(sql, 0.99):.1f}x the time at p99", target="report p99",
        ok=None, notes=[f"{PAGES} pages at offsets 0..{grids - 1000}; {size:.1f} MB a page"])


def run(engine: Engine, reps: int) -> list[Row]:
    if not (shutil.which("ogr2ogr") and shutil.which("ogrinfo")):
        return [Row("ogr2ogr through OGC API", "-", "-", "-", "report the time", None,
                    ["GDAL is not installed (scripts/ensure-gdal.sh installs it)"])]
    with engine.connect() as conn:
        grids = conn.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NULL")).scalar()
    run_sql(engine, "VACUUM ANALYZE grids; VACUUM ANALYZE communities")
    env = {**os.environ, "DATABASE_URL": database_url(), "GRIDMAP_SECRET_KEY": "bench",
           "GRIDMAP_RATELIMIT_PUBLIC": "1000000000 per minute"}
    port = _free_port()
    server = _serve("wsgi:app", port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory(prefix="gridmap-bench-ogc-") as folder:
            export = _export_rows(base, grids, max(reps, 1), Path(folder))
        page = _page_rows(engine, base, grids)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [export, page]
