"""The grid worker's app, ``/work``, first load on a phone (390×844) on the `city` demo, for
the worker of ``bench_field`` (200 open tasks): every response gridmap sends for the visit —
what the page asks for (headless Chromium, cache off, until it is idle) and what its
service worker fetches on install to keep for offline use (the shell and the first copies
of my tasks, grids and categories) — counted gzip-compressed (``gzip -6`` of each body, as
a compressing proxy sends it, plus its headers), against the same responses uncompressed
as gunicorn sends them. Target (issue 20): <= 300 kB gzip without tiles (tiles are refused
and not counted; the task list has no map).
"""

from __future__ import annotations

import gzip
import json
import os

from sqlalchemy import Engine, text

from bench.bench_field import worker
from bench.bench_lookup import _free_port, _serve
from bench.common import Row, bytes_received, database_url, local_context, sign_in

USER = "bench-work-phone"
PASSWORD = "bench-work-phone-1"
LIMIT = 300_000  # bytes gzip, first load without tiles (issue 20)
PHONE = {"width": 390, "height": 844}
PREFETCH = ("/api/v1/me/tasks", "/api/v1/me/grids", "/api/v1/categories")  # work_sw.js


def run(engine: Engine, reps: int) -> Row:
    from playwright.sync_api import sync_playwright

    _account(worker(engine))
    env = {**os.environ, "DATABASE_URL": database_url(), "GRIDMAP_SECRET_KEY": "bench",
           "GRIDMAP_RATELIMIT_LOGIN": "1000 per minute"}
    port = _free_port()
    server = _serve("wsgi:app", port, env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get(
                "GRIDMAP_CHROMIUM", "/usr/bin/chromium"))
            loads = [_first_load(browser, port) for _ in range(max(reps, 1))]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _row(loads)


def _account(member: int) -> None:
    """The bench's worker account (kept between runs), linked to ``member``."""
    from app import create_app
    from app.extensions import db
    from app.security import accounts

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(), "SECRET_KEY": "bench"})
    with app.app_context():
        if db.session.execute(text("SELECT 1 FROM users WHERE username = :u"),
                              {"u": USER}).first() is None:
            accounts.create_user(USER, "member", password=PASSWORD, min_length=10,
                                 grid_member_id=member)
        db.session.execute(text("UPDATE users SET grid_member_id = :m WHERE username = :u"),
                           {"m": member, "u": USER})
        db.session.commit()


def _first_load(browser, port: int) -> dict[str, tuple[int, int]]:
    """URL → (bytes gzip, bytes as sent) of everything one first visit of /work costs."""
    base = f"http://127.0.0.1:{port}"
    context = local_context(browser, base, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, base, USER, PASSWORD)
    seen = bytes_received(context, page)
    page.goto(f"{base}/work")
    page.wait_for_selector("#task-list [data-task]", timeout=60_000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                           timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    worker_js = page.request.get(f"{base}/work/sw.js").text()
    shell = json.loads(worker_js.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    urls = {u for u in seen if u.startswith(base)} | {base + u for u in (*shell, *PREFETCH)}
    urls.add(f"{base}/work/sw.js")
    sizes = {url: _sizes(page.request.get(url)) for url in sorted(urls)}
    context.close()
    return sizes


def _sizes(response) -> tuple[int, int]:
    body = response.body()
    head = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 17
    return head + len(gzip.compress(body, 6)), head + len(body)


def _row(loads: list[dict[str, tuple[int, int]]]) -> Row:
    worst = max(loads, key=lambda sizes: sum(z for z, _ in sizes.values()))
    zipped = sum(z for z, _ in worst.values())
    plain = sum(r for _, r in worst.values())
    top = sorted(worst.items(), key=lambda kv: -kv[1][0])[:5]
    return Row(
        task="/work first load on a phone, a worker with 200 tasks, with the service "
             "worker's offline copies (Chromium 390x844)",
        ours=f"{zipped / 1e3:.0f} kB gzip ({len(worst)} responses)",
        plain=f"{plain / 1e3:.0f} kB (the same, uncompressed as gunicorn sends them)",
        ratio=f"{plain / zipped:.1f}x less", target=f"<= {LIMIT / 1e3:.0f} kB gzip",
        ok=zipped <= LIMIT,
        notes=["heaviest (gzip): " + ", ".join(
            f"{url.split('?')[0].rsplit('/', 1)[-1]} {z / 1e3:.0f} kB" for url, (z, _) in top),
            "tiles refused and not counted; the sign-in before is not counted"])
