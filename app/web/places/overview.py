"""Staff map pages."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from app.plumbing.readdb import read
from app.security.auth import require
from app.security.headers import csp_nonce
from app.web.i18n import N_, lang, texts
from app.web.roles import role_names
from geo.core import params
from geo.core.errors import NotFound
from geo.places.store import reads as store

bp = Blueprint("maps", __name__, url_prefix="/maps")
# The grid map's script: the responsibility overlays layer (/api/v1/overlays).
TEXTS = dict([
    N_("layer_overlays", "责任区"), N_("overlay_tip", "{name}（{unit}）"),
    N_("overlays_failed", "责任区未能加载："),
])


@bp.get("/grids")
@require("grids:read")
def grids():
    """A community's current grids; staff limited to communities see only theirs."""
    from app.maps.grid_map import build_grid_map
    from app.maps.render import render

    code = params.code(request.args, "community", 12)
    choices = read(lambda conn: store.community_choices(conn, current_user.communities))
    chosen = next((c for c in choices if c["code"] == code), None) if code else (
        choices[0] if choices else None)
    if code and chosen is None:
        raise NotFound(f"no community {code} among those you may see")
    cfg = current_app.config
    collection, workers = {"features": []}, {}
    if chosen:
        collection = json.loads(read(lambda conn: store.grids(
            conn, community=chosen["code"], box=None, at=None, offset=0,
            limit=cfg["API_PAGE_LIMIT_MAX"])))
        workers = read(lambda conn: store.grid_workers(conn, chosen["id"]))
    m = build_grid_map(collection, workers, role_names())
    parts = render(m, csp_nonce(), lambda path: url_for("static", filename=path))
    script = {"lang": lang(), "texts": texts(TEXTS), "today": dt.date.today().isoformat(),
              "limit": cfg["API_PAGE_LIMIT_MAX"]}
    return render_template("maps/grids.html", map=parts, choices=choices, chosen=chosen,
                           count=len(collection["features"]), script=script)
