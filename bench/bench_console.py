"""The dispatcher console's first load on the `city` demo (1,000,000 incidents): every byte
the browser receives (headless Chromium, cache off) until the page is idle, for a
city-wide dispatcher and for one limited to a street, on the default basemap (OSM) and
on Amap (GCJ-02: the page also loads gcoord); against the GeoJSON of the open incidents
alone, which a page that embeds its data would carry before any asset.

Basemap tiles are refused and not counted: they come from the tile server, outside
gridmap (and the machine has no internet).
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, text

from bench.bench_lookup import _free_port, _serve
from bench.common import (
    Load,
    Row,
    database_url,
    first_load,
    local_context,
    sign_in,
    staff_user,
    weight_notes,
)

PASSWORD = "bench-console-1"
LIMIT = 700_000  # bytes (issue 17: /dispatch <= 0.7 MB)
BASEMAPS = ("osm", "amap")


def run(engine: Engine, reps: int) -> list[Row]:
    from playwright.sync_api import sync_playwright

    with engine.connect() as conn:
        street = conn.execute(text("SELECT min(street_code) FROM communities")).scalar()
        open_geojson = conn.execute(text(
            "SELECT length(json_build_object('type', 'FeatureCollection', 'features',"
            " json_agg(json_build_object('type', 'Feature', 'id', id, 'geometry',"
            " ST_AsGeoJSON(geom, 6)::json, 'properties', json_build_object("
            " 'category', category, 'status', status, 'due_at', due_at))))::text)"
            " FROM incidents WHERE status IN ('reported', 'accepted', 'dispatched',"
            " 'in_progress', 'returned', 'reopened')")).scalar()
    users = {"bench-console-city": [], "bench-console-street": ["--street", street]}
    for name, limit in users.items():
        staff_user(name, "dispatcher", PASSWORD, *limit)
    env = {**os.environ, "DATABASE_URL": database_url(), "GRIDMAP_SECRET_KEY": "bench",
           "GRIDMAP_RATELIMIT_LOGIN": "1000 per minute"}
    port = _free_port()
    server = _serve("wsgi:app", port, env)
    loads: dict[tuple[str, str], list[Load]] = {(n, b): [] for b in BASEMAPS for n in users}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get(
                "GRIDMAP_CHROMIUM", "/usr/bin/chromium"))
            for _ in range(max(reps, 1)):
                for (name, basemap), runs in loads.items():
                    runs.append(_first_load(browser, port, name, basemap))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [_row({n: r for (n, b), r in loads.items() if b == basemap}, basemap, open_geojson)
            for basemap in BASEMAPS]


def _row(loads: dict[str, list[Load]], basemap: str, open_geojson: int) -> Row:
    worst = max(load.total for runs in loads.values() for load in runs)
    label = {"osm": "default basemap OSM", "amap": "basemap Amap, GCJ-02"}[basemap]
    who = {name: name.rsplit("-", 1)[1] for name in loads}
    return Row(
        task=f"/dispatch first load, 1M incidents, {label} (Chromium, cache off)",
        ours=", ".join(f"{who[name]} {max(r.total for r in runs) / 1e6:.2f} MB"
                       for name, runs in loads.items()),
        plain=f"{open_geojson / 1e6:.1f} MB (GeoJSON of the open incidents alone)",
        ratio=f"{open_geojson / worst:.0f}x less",
        target=f"<= {LIMIT / 1e6:.1f} MB, gcoord {'yes' if basemap == 'amap' else 'no'}",
        ok=worst <= LIMIT and all(r.gcoord_as_expected for v in loads.values() for r in v),
        notes=["bytes are response bodies + headers as received (gunicorn sends them "
               "uncompressed); tiles refused and not counted; the sign-in before is not "
               "counted", *weight_notes({who[n]: runs for n, runs in loads.items()})])


def _first_load(browser, port: int, name: str, basemap: str) -> Load:
    """Bytes received loading /dispatch signed in (the sign-in itself not counted)."""
    base = f"http://127.0.0.1:{port}"
    context = local_context(browser, base, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, base, name, PASSWORD)
    load = first_load(context, page, f"{base}/dispatch", basemap, _incidents_drawn)
    context.close()
    return load


def _incidents_drawn(page) -> None:
    page.wait_for_selector(".leaflet-marker-icon", timeout=30_000)
