"""``/ogc`` routes: landing page, conformance, API definition, collections, items, item."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized

from app.errors import http_code, status_of
from app.ogc import openapi, queryables
from app.ogc.links import (
    GEOJSON,
    HTML,
    JSON,
    OPENAPI,
    link,
    self_and_alternate,
    this_url,
    url,
    wants_html,
)
from app.plumbing.readdb import read
from app.security.limits import public
from geo.core import params
from geo.core.errors import GridmapError, InvalidInput, NotFound
from geo.places import features
from geo.places.store import features as feature_store

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *queryables.CONFORMANCE,
]
TITLE = "gridmap 网格化管理 · OGC API – Features"
# Every OGC route takes f (json or html) and, for its HTML pages, the interface language
# (lang, as on every page of gridmap: app.web.i18n).
PAGE_ARGS = ("f", "lang")


def _answer(body: dict, template: str, json_type: str = JSON, **context) -> Response:
    if wants_html():
        return Response(render_template(f"ogc/{template}.html", body=body, title=TITLE,
                                        **context), mimetype=HTML)
    response = jsonify(body)
    response.mimetype = json_type
    return response


@bp.route("/", strict_slashes=False)
@public
def landing():
    """The landing page (``/ogc`` and ``/ogc/``)."""
    params.check_known(request.args, PAGE_ARGS)
    body = {"title": TITLE,
            "description": "社区、网格与楼栋的开放地理数据服务。Communities, grids (every boundary "
                           "version) and buildings of gridmap; incidents for staff.",
            "links": [*self_and_alternate(),
                      link(url("ogc.api_definition"), "service-desc", OPENAPI,
                           "API 定义 The API definition (OpenAPI 3.0)"),
                      link(url("ogc.api_definition", f="html"), "service-doc", HTML,
                           "API 文档 The API documentation"),
                      link(url("ogc.conformance"), "conformance", JSON,
                           "符合性声明 Conformance classes"),
                      link(url("ogc.collections"), "data", JSON, "数据集 Collections")]}
    return _answer(body, "landing")


@bp.route("/conformance")
@public
def conformance():
    """The conformance classes this API implements."""
    params.check_known(request.args, PAGE_ARGS)
    return _answer({"links": self_and_alternate(), "conformsTo": CONFORMANCE},
                   "conformance")


@bp.route("/api")
@public
def api_definition():
    """The OpenAPI 3.0 definition (JSON), or a page listing its paths."""
    params.check_known(request.args, PAGE_ARGS)
    cfg = current_app.config
    doc = openapi.document(url("ogc.landing").rstrip("/"), cfg["OGC_LIMIT_DEFAULT"],
                           cfg["OGC_LIMIT_MAX"])
    if wants_html():
        return Response(render_template("ogc/api.html", doc=doc, title=TITLE), mimetype=HTML)
    response = jsonify(doc)
    response.headers["Content-Type"] = OPENAPI
    return response


def _visible() -> list[features.Collection]:
    return [c for c in features.COLLECTIONS.values()
            if not c.staff_only or current_user.can("incidents:read")]


def _collection(collection_id: str) -> features.Collection:
    """The collection, after checking that the caller may read it (incidents: staff)."""
    coll = features.COLLECTIONS.get(collection_id)
    if coll is None:
        raise NotFound(f"no collection {collection_id[:40]!r}; collections are "
                       f"{', '.join(c.id for c in _visible())}")
    if coll.staff_only:
        if not current_user.is_authenticated:
            raise Unauthorized("the incidents collection needs an API token "
                               "('Authorization: Bearer …')",
                               www_authenticate=WWWAuthenticate("bearer"))
        if not current_user.can("incidents:read"):
            raise Forbidden(f"the {current_user.role} role may not read incidents")
    return coll


def _describe(coll: features.Collection, extent: dict) -> dict:
    items = url("ogc.items", collection_id=coll.id)
    return {"id": coll.id, "title": coll.title, "description": coll.description,
            "itemType": "feature", "extent": extent,
            "crs": list(features.CRS_LIST), "storageCrs": features.CRS84,
            "links": [link(url("ogc.collection", collection_id=coll.id), "self", JSON,
                           "本数据集 This collection"),
                      link(url("ogc.collection", collection_id=coll.id, f="html"),
                           "alternate", HTML, "网页 This collection as HTML"),
                      link(items, "items", GEOJSON, "要素 Features (GeoJSON)"),
                      link(url("ogc.queryables_of", collection_id=coll.id), queryables.REL,
                           queryables.SCHEMA_JSON, "可查询属性 Queryables (JSON Schema)"),
                      link(f"{items}?f=html", "items", HTML, "要素 Features (HTML)")]}


@bp.route("/collections")
@public
def collections():
    """Every collection the caller may read, with its extent."""
    params.check_known(request.args, PAGE_ARGS)
    shown = _visible()
    extents = read(lambda conn: [feature_store.extent(conn, c) for c in shown])
    body = {"links": self_and_alternate(),
            "collections": [_describe(c, e) for c, e in zip(shown, extents, strict=True)]}
    return _answer(body, "collections")


@bp.route("/collections/<collection_id>")
@public
def collection(collection_id: str):
    """One collection's metadata."""
    coll = _collection(collection_id)
    params.check_known(request.args, PAGE_ARGS)
    body = _describe(coll, read(lambda conn: feature_store.extent(conn, coll)))
    body["links"][:2] = self_and_alternate()
    return _answer(body, "collection")


@bp.route("/collections/<collection_id>/queryables")
@public
def queryables_of(collection_id: str):
    """The properties a collection can be filtered on, as a JSON Schema (Part 3)."""
    coll = _collection(collection_id)
    params.check_known(request.args, PAGE_ARGS)
    self_url = url("ogc.queryables_of", collection_id=coll.id)
    body = queryables.schema(coll, self_url)
    if wants_html():
        return Response(render_template("ogc/queryables.html", body=body, title=TITLE,
                                        json_url=f"{self_url}?f=json"), mimetype=HTML)
    response = jsonify(body)
    response.mimetype = queryables.SCHEMA_JSON
    return response


def _crs(name: str) -> tuple[str, bool]:
    """(URI, latitude first?) of the ``crs`` or ``bbox-crs`` parameter (default CRS84)."""
    raw = request.args.get(name) or features.CRS84
    if raw not in features.CRS_LIST:
        raise InvalidInput(f"parameter '{name}' must be one of {', '.join(features.CRS_LIST)}",
                           param=name)
    return raw, raw in features.CRS_LAT_FIRST


def _bbox(lat_first: bool) -> params.Box | None:
    raw = request.args.get("bbox")
    if not raw:
        return None
    numbers = raw.split(",")
    if len(numbers) == 6:  # with heights: the CRS84h box; heights play no part here
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) == 4 and lat_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    return params.bbox({"bbox": ",".join(numbers)})


def _query(coll: features.Collection) -> tuple[features.Query, str]:
    args, cfg = request.args, current_app.config
    params.check_known(args, (*PAGE_ARGS, "bbox", "bbox-crs", "crs", "datetime", "limit",
                              "offset", *coll.filters))
    crs, lat_first = _crs("crs")
    # OGC API: a limit above the maximum is served as the maximum, not refused.
    limit = min(params.integer(args, "limit", default=cfg["OGC_LIMIT_DEFAULT"], minimum=1),
                cfg["OGC_LIMIT_MAX"])
    query = features.Query(
        box=_bbox(_crs("bbox-crs")[1]), interval=features.parse_datetime(args.get("datetime")),
        filters=features.check_filters(coll, args), limit=limit,
        offset=params.integer(args, "offset", default=0, maximum=features.MAX_OFFSET),
        lat_first=lat_first,
        scope=current_user.communities if coll.staff_only else None)
    return query, crs


@bp.route("/collections/<collection_id>/items")
@public
def items(collection_id: str):
    """A page of features: bbox, datetime, code filters, limit/offset with next/prev links."""
    coll = _collection(collection_id)
    query, crs = _query(coll)
    matched, returned, found = read(lambda conn: feature_store.items(conn, coll, query))
    links = [*self_and_alternate(GEOJSON),
             link(url("ogc.collection", collection_id=coll.id), "collection", JSON,
                  "数据集 The collection")]
    if query.offset + returned < matched:
        links.append(link(this_url(offset=query.offset + query.limit), "next", GEOJSON,
                          "下一页 Next page"))
    if query.offset > 0:
        links.append(link(this_url(offset=max(0, query.offset - query.limit) or None), "prev",
                          GEOJSON, "上一页 Previous page"))
    head = {"type": "FeatureCollection", "timeStamp": _now(), "numberMatched": matched,
            "numberReturned": returned, "links": links}
    if wants_html():
        return _page("items", coll, head, json.loads(found), query=query)
    body = json.dumps(head, ensure_ascii=False)[:-1] + ',"features":' + found + "}"
    return _geojson(body, crs)


@bp.route("/collections/<collection_id>/items/<feature_id>")
@public
def feature(collection_id: str, feature_id: str):
    """One feature (for grids: any version, past ones included)."""
    coll = _collection(collection_id)
    params.check_known(request.args, (*PAGE_ARGS, "crs"))
    crs, lat_first = _crs("crs")
    found = read(lambda conn: feature_store.item(
        conn, coll, feature_id, lat_first=lat_first,
        scope=current_user.communities if coll.staff_only else None))
    if found is None:
        raise NotFound(f"no feature {feature_id[:40]!r} in {coll.id}")
    links = [*self_and_alternate(GEOJSON),
             link(url("ogc.collection", collection_id=coll.id), "collection", JSON,
                  "数据集 The collection")]
    if wants_html():
        return _page("item", coll, {"links": links}, [json.loads(found)])
    return _geojson(found[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}", crs)


def _page(template: str, coll, head: dict, found: list, **context) -> Response:
    json_url = next(x["href"] for x in head["links"] if x["type"] == GEOJSON)
    return Response(render_template(f"ogc/{template}.html", title=TITLE, coll=coll, head=head,
                                    features=found, json_url=json_url, **context),
                    mimetype=HTML)


def _geojson(body: str, crs: str) -> Response:
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs}>"
    return response


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# Errors: the OGC API exception shape ({"code", "description"}) around the house error
# object ({"error": {"code", "message", "details"}}), so both kinds of client read them.
def _error(status: int, code: str, message: str, details=None, headers=None) -> Response:
    error = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    response = jsonify({"code": code, "description": message, "error": error})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@bp.errorhandler(GridmapError)
def _gridmap_error(err: GridmapError):
    status = status_of(err)
    details = err.details
    if isinstance(err, InvalidInput) and err.param and details is None:
        details = {"param": err.param}
    return _error(status, err.code, err.message, details)


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    headers = dict(err.get_headers())
    headers.pop("Content-Type", None)
    status = err.code or 500
    return _error(status, http_code(status), err.description or err.name, headers=headers)
