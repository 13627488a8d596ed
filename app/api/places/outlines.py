"""``GET /api/v1/outlines/grids`` and ``/outlines/communities``: light outlines of what is
in view, simplified for the zoom (what the public map draws)."""

from flask import Response

from app.api.common import GEOJSON, Blueprint
from app.api.places.schemas import Outlines, OutlinesQuery
from app.plumbing.readdb import read
from app.security.limits import public
from geo.places import outlines

blp = Blueprint("outlines", __name__, url_prefix="/api/v1",
                description="Simplified outlines of grids and communities for a map view")

LIMIT = 2000  # features per answer; "truncated": true beyond


def documented(summary: str):
    def decorator(view):
        for step in reversed((
                blp.doc(summary=summary), blp.arguments(OutlinesQuery, location="query"),
                blp.response(200, Outlines, content_type=GEOJSON, description=(
                    f"FeatureCollection of at most {LIMIT} features by code (truncated: "
                    "true when more are in view); properties code, name (and community "
                    "for grids)")),
                blp.fails({400: "missing or invalid bbox or zoom"}))):
            view = step(view)
        return view
    return decorator


def _answer(kind: str, args) -> Response:
    body = read(lambda conn: outlines.outlines(conn, kind, args["bbox"], args["zoom"], LIMIT))
    # Boundaries change rarely (imports, published plans): a few minutes of caching saves
    # residents' data on a slow connection when they pan back and forth.
    return Response(body, mimetype=GEOJSON, headers={"Cache-Control": "public, max-age=300"})


@blp.route("/outlines/grids", methods=["GET"])
@public
@documented("Grid outlines in view")
def grid_outlines(args):
    return _answer("grids", args)


@blp.route("/outlines/communities", methods=["GET"])
@public
@documented("Community outlines in view")
def community_outlines(args):
    return _answer("communities", args)
