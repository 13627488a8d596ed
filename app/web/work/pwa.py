"""What makes ``/work`` an installable app that opens offline: the web app manifest and
the service worker (``static/js/pages/work_sw.js``), served under ``/work`` so that the
worker's scope is the app and nothing else.

Neither carries anything private, so both are open to anyone: a browser fetches the
manifest without cookies. The worker's script gets the list of files it keeps (the shell)
and a version made from their contents, so a new release replaces the old copies.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import Response, current_app, url_for

from app.security.headers import SERVICE_WORKER
from app.web.work.pages import bp

# The shell the worker keeps, under static/: the page's modules, styles and Leaflet.
SHELL_FILES = (
    "js/pages/work.js", "js/pages/work_tasks.js", "js/pages/work_task.js",
    "js/pages/work_patrol.js", "js/pages/work_messages.js", "js/lib/outbox.js",
    "js/lib/photos.js", "js/lib/http.js", "js/lib/dom.js", "js/lib/i18n.js",
    "js/lib/format.js", "js/lib/map.js", "js/lib/basemaps.js", "js/lib/crs.js",
    "vendor/gcoord/gcoord.esm-browser.prod.js", "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css", "css/work.css", "css/basemaps.css", "img/work-icon.svg",
)
WORKER_SOURCE = "js/pages/work_sw.js"
# GET answers the worker serves from its copy when the network fails (path prefixes).
NETWORK_FIRST = ("/api/v1/me/", "/api/v1/categories", "/api/v1/incidents/")


@bp.get("/work/manifest.webmanifest")
def manifest():
    """The web app manifest (name, icon, start page, standalone display)."""
    body = {
        "name": "网格员 · gridmap work", "short_name": "网格员", "lang": "zh-CN",
        "description": "网格员的任务、处置反馈与巡查 · grid worker's tasks, evidence and patrols",
        "start_url": url_for("work.app_page"), "scope": url_for("work.app_page"),
        "display": "standalone", "orientation": "portrait",
        "background_color": "#f4f6f8", "theme_color": "#12385f",
        "icons": [{"src": url_for("static", filename="img/work-icon.svg"), "sizes": "any",
                   "type": "image/svg+xml", "purpose": "any"}],
    }
    return Response(json.dumps(body, ensure_ascii=False),
                     mimetype="application/manifest+json",
                     headers={"Cache-Control": "no-cache"})


@bp.get("/work/sw.js")
def service_worker():
    """The service worker, scoped to ``/work`` (the page and nothing beside it)."""
    shell, version = _shell(current_app.static_folder)
    head = (f"const VERSION = {json.dumps(version)};\n"
            f"const SHELL = {json.dumps([url_for('work.app_page'), *shell])};\n"
            f"const NETWORK_FIRST = {json.dumps(NETWORK_FIRST)};\n")
    source = Path(current_app.static_folder, WORKER_SOURCE).read_text(encoding="utf-8")
    return Response(head + source, mimetype="text/javascript",
                    headers={"Service-Worker-Allowed": url_for("work.app_page"),
                             "Cache-Control": "no-cache",
                             "Content-Security-Policy": SERVICE_WORKER})


@cache
def _shell(static_folder: str) -> tuple[list[str], str]:
    """The shell's URLs and a version: a hash of the files and of the worker itself."""
    digest = hashlib.sha256()
    for name in (*SHELL_FILES, WORKER_SOURCE):
        digest.update(Path(static_folder, name).read_bytes())
    return [url_for("static", filename=name) for name in SHELL_FILES], digest.hexdigest()[:16]
