"""A file of responsibility overlays (``flask layers import overlays``): every row checked
by the rule of one overlay (``geo.boundaries.overlays.check``) and written, or none.

Fields (by these names): ``name``, ``kind``, ``unit``, ``department`` (its id or name),
``company_name``, ``company_phone``, ``grid`` (15-digit code), ``categories`` (codes
separated by ``,`` ``;`` ``、`` or ``|``), ``buffer_m`` (lines), ``valid_from``,
``valid_to``. Geometries are reprojected to WGS-84 from the file's CRS. A file of overlays
holds tens or hundreds of rows, so each is written by the store's one-overlay statement.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from shapely.geometry import mapping
from sqlalchemy import Connection, text

from geo.boundaries import overlays
from geo.boundaries.store import overlays as store
from geo.core import crs as geocrs
from geo.core.errors import InvalidInput
from geo.layers.check import Issue
from geo.layers.prep import RowsRejected
from geo.layers.raw import RawLayer

_SEPARATORS = re.compile(r"[,;、|，；]")


def import_overlays(conn: Connection, raw: RawLayer, actor: str) -> list[int]:
    """Check every row of ``raw`` and write them all (ids, in file order), or raise
    RowsRejected with one Issue per bad row and write nothing."""
    geoms = _to_wgs84(raw.geoms, raw.crs)
    departments = dict(conn.execute(text("SELECT name, id FROM departments")).all())
    checked, issues = [], []
    for i in range(len(raw)):
        row = {name: _plain(values[i]) for name, values in raw.fields.items()}
        try:
            body = _body(row, geoms[i], departments)
            checked.append(overlays.check(body))
        except InvalidInput as err:
            issues.append(Issue(i + 1, str(row.get("name") or ""), "rejected", err.message))
    if issues:
        raise RowsRejected(issues, len(raw))
    ids = []
    for i, fields in enumerate(checked):
        try:
            ids.append(store.write(conn, fields, actor, None))
        except InvalidInput as err:  # an unknown category, department or grid
            issues.append(Issue(i + 1, fields["name"], "rejected", err.message))
    if issues:
        raise RowsRejected(issues, len(raw))
    return ids


def _body(row: dict, geom: Any, departments: dict[str, int]) -> dict:
    body = {k: row.get(k) for k in overlays.FIELDS if k not in ("geometry", "categories")}
    body["geometry"] = None if geom is None else mapping(geom)
    cats = row.get("categories")
    body["categories"] = ([c.strip() for c in _SEPARATORS.split(cats) if c.strip()]
                          if isinstance(cats, str) else cats)
    dept = row.get("department")
    if isinstance(dept, str):
        if not dept.isdigit() and dept.strip() not in departments:
            raise InvalidInput(f"no department named {dept.strip()[:50]}", param="department")
        body["department"] = int(dept) if dept.isdigit() else departments[dept.strip()]
    if isinstance(body.get("grid"), int | float):
        body["grid"] = str(int(body["grid"]))
    for key in ("valid_from", "valid_to"):
        if body.get(key) is not None and not isinstance(body[key], str):
            body[key] = str(body[key])[:10]
    return body


def _plain(value: Any) -> Any:
    """A field value as JSON would give it: numbers as int/float, blanks as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _to_wgs84(geoms: np.ndarray, source_crs: Any) -> np.ndarray:
    if source_crs in geocrs.CRS_NAMES:
        return np.asarray(geocrs.geometry_to_wgs84(geoms, source_crs), dtype=object)
    return geocrs.reproject_geometries(geoms, source_crs)
