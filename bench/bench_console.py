"""The dispatcher console's first load on the `city` demo (1,000,000 incidents): every byte
the browser receives (headless Chromium, cache off) until the page is idle, for a
city-wide dispatcher and for one limited to a street; against the GeoJSON of the open
incidents alone, which a page that embeds its data would carry before any asset.

Basemap tiles are not counted: the machine has no internet (they come from the browser
cache or the tile server, outside gridmap).
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, text

from bench.bench_lookup import _free_port, _serve
from bench.common import (
    Row,
    bytes_received,
    database_url,
    local_context,
    sign_in,
    staff_user,
)

PASSWORD = "bench-console-1"
LIMIT = 1_000_000  # bytes


def run(engine: Engine, reps: int) -> Row:
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
    sizes: dict[str, list[int]] = {name: [] for name in users}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get(
                "GRIDMAP_CHROMIUM", "/usr/bin/chromium"))
            for name in users:
                for _ in range(max(reps, 1)):
                    sizes[name].append(_first_load(browser, port, name))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    worst = max(max(v) for v in sizes.values())
    return Row(
        task="/dispatch first load, 1M incidents (Chromium, cache off)",
        ours=", ".join(f"{name.rsplit('-', 1)[1]} {max(v) / 1e6:.2f} MB"
                       for name, v in sizes.items()),
        plain=f"{open_geojson / 1e6:.1f} MB (GeoJSON of the open incidents alone)",
        ratio=f"{open_geojson / worst:.0f}x less", target="< 1 MB", ok=worst < LIMIT,
        notes=["bytes are response bodies + headers as received (gunicorn sends them "
               "uncompressed); tiles blocked and not counted"])


def _first_load(browser, port: int, name: str) -> int:
    """Bytes received loading /dispatch signed in (the sign-in itself not counted)."""
    base = f"http://127.0.0.1:{port}"
    context = local_context(browser, base, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, base, name, PASSWORD)
    received = bytes_received(context, page)
    page.goto(f"{base}/dispatch")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    markers = page.evaluate("document.querySelectorAll('.leaflet-marker-icon').length")
    context.close()
    if not received or not markers:
        raise RuntimeError(f"the console of {name} drew no incidents ({markers} markers)")
    return sum(received.values())
