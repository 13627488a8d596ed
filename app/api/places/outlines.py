"""``GET /api/v1/outlines/grids`` and ``/outlines/communities``: light outlines of what is
in view, simplified for the zoom (what the public map draws)."""

from flask import Response, request
from flask_smorest import Blueprint

from app.api.common import BBOX, error, ok, query_param
from app.plumbing.readdb import read
from app.security.limits import public
from geo.core import params
from geo.core.errors import InvalidInput
from geo.places import outlines

blp = Blueprint("outlines", __name__, url_prefix="/api/v1",
                description="Simplified outlines of grids and communities for a map view")

LIMIT = 2000  # features per answer; "truncated": true beyond
DOC = dict(
    parameters=[dict(BBOX, required=True),
                query_param("zoom", f"the map's zoom, 0–{outlines.MAX_ZOOM}: outlines are "
                            "simplified to about one pixel at it", {"type": "integer"},
                            required=True)],
    responses={"200": ok(f"FeatureCollection of at most {LIMIT} features by code "
                         "(truncated: true when more are in view); properties code, name "
                         "(and community for grids)", {"type": "object"},
                         "application/geo+json"),
               "400": error("missing or invalid bbox or zoom")})


def _answer(kind: str) -> Response:
    args = request.args
    params.check_known(args, ("bbox", "zoom"))
    box = params.bbox(args, required=True)
    zoom = params.integer(args, "zoom", default=-1, minimum=0, maximum=outlines.MAX_ZOOM)
    if zoom < 0:
        raise InvalidInput("missing parameter 'zoom'", param="zoom")
    body = read(lambda conn: outlines.outlines(conn, kind, box, zoom, LIMIT))
    # Boundaries change rarely (imports, published plans): a few minutes of caching saves
    # residents' data on a slow connection when they pan back and forth.
    return Response(body, mimetype="application/geo+json",
                    headers={"Cache-Control": "public, max-age=300"})


@blp.route("/outlines/grids", methods=["GET"])
@blp.doc(summary="Grid outlines in view", **DOC)
@public
def grid_outlines():
    return _answer("grids")


@blp.route("/outlines/communities", methods=["GET"])
@blp.doc(summary="Community outlines in view", **DOC)
@public
def community_outlines():
    return _answer("communities")
