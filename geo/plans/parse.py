"""A plan's grids as they arrive: a GeoJSON FeatureCollection or a layer file, checked.

Both paths end in :func:`grid_rows`: every feature's code and name cleaned, its geometry
reprojected to WGS-84 and checked by the layer import's geometry rules
(:func:`geo.layers.check.check_geometries`: polygonal, 2D, in the service area, valid or
repaired on request, vertex limit). A feature that fails is reported with its number and
reason, and nothing is accepted (the caller writes nothing).

Codes are *not* judged here beyond what the table can hold (at most 15 characters):
missing, duplicated or malformed codes are findings of the plan check
(:mod:`geo.plans.check`), so that a planner can load a half-finished file and fix it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry

from geo.core import crs as geocrs
from geo.core.errors import InvalidFile, InvalidInput
from geo.layers.check import MAX_VERTICES, WORLD, check_geometries
from geo.layers.files import FORMATS, map_fields, read_layer

MAX_CODE, MAX_NAME = 15, 200
DEFAULT_MAX_GRIDS = 2000
DEFAULT_MAX_UNZIPPED = 50 << 20  # a plan of 2000 grids is a few MB of .shp + .dbf
SHOWN_PROBLEMS = 50


@dataclass(frozen=True)
class GridRow:
    """One grid of a plan: code ('' when missing), name, hex EWKB MultiPolygon (SRID 4326)."""

    code: str
    name: str
    geom: str


@dataclass(frozen=True)
class Limits:
    """What input is accepted: service-area bounds, vertices per grid, grids per plan, bytes
    an uploaded zip may unpack to."""

    bounds: Sequence[float] = WORLD
    max_vertices: int = MAX_VERTICES
    max_grids: int = DEFAULT_MAX_GRIDS
    max_unzipped: int = DEFAULT_MAX_UNZIPPED


def features(body: Any, *, crs: str | None = None, make_valid: bool = False,
             limits: Limits = Limits(), allow_null_geometry: bool = False
             ) -> list[tuple[Any, str | None, str | None, Any]]:
    """The ``(id, code, name, geometry)`` of a FeatureCollection's features; geometries are
    reprojected, checked and given as hex EWKB MultiPolygons (None only where a feature
    had none and ``allow_null_geometry``).

    Raises
    ------
    InvalidInput
        Naming every bad feature (``details.problems``: feature index, code, reason).
    """
    if not isinstance(body, Mapping) or body.get("type") != "FeatureCollection":
        raise InvalidInput('send a GeoJSON FeatureCollection: {"type": "FeatureCollection", '
                           '"features": [...]}', param="type")
    items = body.get("features")
    if not isinstance(items, list):
        raise InvalidInput("'features' must be a list of GeoJSON Features", param="features")
    if len(items) > limits.max_grids:
        raise InvalidInput(f"{len(items)} features; a plan has at most {limits.max_grids} "
                           "grids", param="features")
    problems: list[dict] = []
    parsed = [_feature(i, f, problems, allow_null_geometry) for i, f in enumerate(items)]
    geoms = np.array([p[3] for p in parsed], dtype=object)
    present = np.flatnonzero([g is not None for g in geoms])
    if len(present):
        checked = _checked_geometries(geoms[present], crs or "wgs84", make_valid, limits,
                                      [parsed[k][1] for k in present], present, problems)
        for k, g in zip(present, checked, strict=True):
            parsed[k] = (*parsed[k][:3], g)
    _raise_if(problems, len(items))
    return parsed


def grid_rows(body: Any, *, crs: str | None = None, make_valid: bool = False,
              limits: Limits = Limits()) -> list[GridRow]:
    """A whole plan's grids from a FeatureCollection (every feature needs a geometry)."""
    return [GridRow(code or "", name or default_name(code), hexed)
            for _, code, name, hexed in features(body, crs=crs, make_valid=make_valid,
                                                  limits=limits)]


def file_rows(data: bytes, filename: str, *, layer: str | None = None,
              encoding: str | None = None, crs: str | None = None,
              fields: Mapping[str, str] | None = None, make_valid: bool = False,
              limits: Limits = Limits()) -> list[GridRow]:
    """A plan's grids from an uploaded GeoJSON, GeoPackage or zipped Shapefile, any CRS.

    Read by the layer import's reader (:func:`geo.layers.files.read_layer`: format sniffing,
    GDAL drivers allow-listed, unzipping bounded by ``limits.max_unzipped``, features counted
    against ``limits.max_grids`` before any is read, the file's own CRS or ``crs``); fields
    ``code`` and ``name`` (or as mapped by ``fields``, e.g. ``{"code": "WGBM"}``).
    """
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidFile(f"{filename}: unsupported file type {suffix or '(none)'}; use "
                          ".geojson, .gpkg or a .zip holding a shapefile")
    with tempfile.TemporaryDirectory(prefix="gridmap-plan-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        raw = read_layer(path, layer=layer, encoding=encoding, crs=crs,
                         max_features=limits.max_grids, max_unzipped=limits.max_unzipped)
    raw.name = filename
    if len(raw) == 0:
        raise InvalidFile(f"{filename} has no features")
    if len(raw) > limits.max_grids:
        raise InvalidFile(f"{filename} has {len(raw)} features; a plan has at most "
                          f"{limits.max_grids} grids")
    columns = map_fields(raw, "grids", fields or {})
    problems: list[dict] = []
    codes = [_clean(i, "code", v, MAX_CODE, problems) for i, v in
             enumerate(columns["code"].tolist())]
    names = [_clean(i, "name", v, MAX_NAME, problems) for i, v in
             enumerate(columns["name"].tolist())]
    hexed = _checked_geometries(raw.geoms, raw.crs, make_valid, limits, codes,
                                np.arange(len(raw)), problems)
    _raise_if(problems, len(raw))
    return [GridRow(c or "", n or default_name(c), h)
            for c, n, h in zip(codes, names, hexed, strict=True)]


def default_name(code: str | None) -> str:
    """A name for a grid that came without one: 网格 + its last three digits."""
    return f"网格{code[-3:]}" if code else "未命名网格"


def _feature(i: int, item: Any, problems: list[dict], allow_null: bool) -> tuple:
    if not isinstance(item, Mapping) or item.get("type") != "Feature":
        problems.append({"feature": i, "code": None, "reason": "not a GeoJSON Feature"})
        return None, None, None, None
    props = item.get("properties") or {}
    if not isinstance(props, Mapping):
        problems.append({"feature": i, "code": None, "reason": "'properties' is not an object"})
        props = {}
    code = _clean(i, "code", props.get("code"), MAX_CODE, problems)
    name = _clean(i, "name", props.get("name"), MAX_NAME, problems)
    fid = item.get("id")
    if fid is not None and (isinstance(fid, bool) or not isinstance(fid, int)):
        problems.append({"feature": i, "code": code, "reason": "'id' must be a plan grid id"})
    raw = item.get("geometry")
    if raw is None:
        if not allow_null:
            problems.append({"feature": i, "code": code, "reason": "missing geometry"})
        return fid, code, name, None
    try:
        geom = shapely.geometry.shape(raw)
    except Exception as err:  # noqa: BLE001 - shapely raises many kinds for bad GeoJSON
        problems.append({"feature": i, "code": code,
                         "reason": f"not a GeoJSON geometry: {str(err)[:120]}"})
        return fid, code, name, None
    return fid, code, name, geom


def _clean(i: int, key: str, value: Any, limit: int, problems: list[dict]) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append({"feature": i, "code": None, "reason": f"'{key}' must be text"})
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > limit or not text.isprintable():
        problems.append({"feature": i, "code": text[:20],
                         "reason": f"'{key}' must be printable text of at most {limit} "
                                   "characters"})
        return None
    return text or None


def _checked_geometries(geoms: np.ndarray, crs: Any, make_valid: bool, limits: Limits,
                        codes: Sequence[str | None], index: Sequence[int],
                        problems: list[dict]) -> list:
    if isinstance(crs, str) and crs.lower() in {*geocrs.CRS_NAMES, "epsg:4326", "4326"}:
        crs = geocrs.parse_crs(crs)
    hexed, rejects, repairs = check_geometries(geoms, crs, make_valid, False, limits.bounds,
                                               limits.max_vertices)
    for k, reason in enumerate(rejects):
        if reason:
            problems.append({"feature": int(index[k]), "code": codes[k],
                             "reason": reason.replace("pass --make-valid",
                                                      "send make_valid=true")})
    return hexed


def _raise_if(problems: list[dict], total: int) -> None:
    if problems:
        problems.sort(key=lambda p: p["feature"])
        first = problems[0]
        raise InvalidInput(f"{len(problems)} problem(s) in {total} features; nothing was "
                           f"stored. First: feature {first['feature']}: {first['reason']}",
                           param="features", details={"problems": problems[:SHOWN_PROBLEMS],
                                                      "count": len(problems)})
