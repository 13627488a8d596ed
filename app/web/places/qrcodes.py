"""Printable QR codes, one per building, pointing at the public map opened on it
(``/map/b/<code>``): staff print them for the buildings' notice boards."""

from __future__ import annotations

import segno
from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.plumbing.readdb import read
from app.security.auth import require
from geo.core import params
from geo.core.errors import NotFound
from geo.places.store import reads as store

bp = Blueprint("qrcodes", __name__, url_prefix="/maps")


@bp.get("/qr")
@require("grids:read")
def qr_sheet():
    """A grid's buildings with their QR codes (``?community=CODE&grid=CODE``)."""
    community = params.code(request.args, "community", 12)
    grid = params.code(request.args, "grid", 15)
    choices = read(lambda conn: store.community_choices(conn, current_user.communities))
    chosen = next((c for c in choices if c["code"] == community), None) if community else (
        choices[0] if choices else None)
    if community and chosen is None:
        raise NotFound(f"no community {community} among those you may see")
    grids = read(lambda conn: store.community_grids(conn, chosen["id"])) if chosen else []
    picked = next((g for g in grids if g["code"] == grid), None) if grid else (
        grids[0] if grids else None)
    if grid and picked is None:
        raise NotFound(f"no current grid {grid} in this community")
    buildings = read(lambda conn: store.grid_buildings(conn, picked["id"])) if picked else []
    base = (current_app.config["PUBLIC_BASE_URL"] or request.host_url).rstrip("/")
    for b in buildings:
        b["url"] = base + url_for("public_map.building_page", code=b["code"])
        # segno writes the SVG itself (no user text in it): safe to place as markup.
        b["svg"] = Markup(segno.make(b["url"], error="m", micro=False).svg_inline(
            scale=4, border=2, title=b["code"]))
    return render_template("maps/qr.html", choices=choices, chosen=chosen, grids=grids,
                           picked=picked, buildings=buildings)
