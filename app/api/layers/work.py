"""What a layer import over the API does: check the form, read the upload as the CLI
reads a file, load it (:func:`geo.layers.store.load.import_layer`) and record it."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path

from flask import current_app
from flask_login import current_user
from sqlalchemy import Connection

from app.security import audit
from geo.boundaries import schedule
from geo.core.errors import Forbidden, InvalidFile, InvalidInput, NotFound
from geo.layers import files
from geo.layers.store import load

KINDS = ("grids", "communities")
FIELDS = ("effective", "allow_outside", "make_valid", "layer", "encoding", "crs",
          "code_field", "name_field")
SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")


def import_file(conn: Connection, kind: str, form, upload) -> dict:
    """Import ``upload`` as ``kind``; the answer of ``POST /api/v1/layers/<kind>``."""
    if kind not in KINDS:
        raise NotFound(f"no layer kind {kind[:20]!r}: grids or communities")
    if current_user.communities is not None:
        raise Forbidden("a layer is the whole city's: only an account limited to no "
                        "communities may import one")
    if unknown := sorted(set(form) - set(FIELDS)):
        raise InvalidInput(f"unknown form field(s) {', '.join(unknown)}; fields are file, "
                           f"{', '.join(FIELDS)}", param=unknown[0])
    if upload is None:
        raise InvalidInput("send the file as the multipart field 'file'", param="file")
    effective = _effective(form.get("effective"))
    options = {name: form.get(name) or None for name in ("layer", "encoding", "crs")}
    fields = {k: form[f"{k}_field"] for k in ("code", "name") if form.get(f"{k}_field")}
    make_valid = _flag(form.get("make_valid"), "make_valid")
    options |= {"fields": fields, "make_valid": make_valid,
                "allow_outside": _flag(form.get("allow_outside"), "allow_outside")}
    data, filename = upload.read(), (upload.filename or "upload")[-200:]
    prepared = _prepare(data, filename, kind, options, make_valid)
    actor = f"api:{current_user.username}"
    result = load.import_layer(conn, prepared, source=f"upload:{filename}",
                               sha256=hashlib.sha256(data).hexdigest(), options=options,
                               make_valid=make_valid, effective=effective, actor=actor,
                               snap_meters=current_app.config["ASSIGN_SNAP_METERS"])
    answer = _answer(result)
    audit.record("layers.schedule" if result.scheduled else "layers.import", kind,
                 result.scheduled and result.scheduled.id, conn=conn,
                 after={"file": filename, **{k: v for k, v in answer.items()
                                             if k not in ("issues", "scheduled")}})
    return answer


def _prepare(data: bytes, filename: str, kind: str, options: dict, make_valid: bool):
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidFile(f"{filename}: unsupported file type {suffix or '(none)'}; use "
                          ".geojson, .gpkg or a .zip holding a shapefile", param="file")
    cfg = current_app.config
    with tempfile.TemporaryDirectory(prefix="gridmap-layer-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        raw = files.read_layer(path, layer=options["layer"], encoding=options["encoding"],
                               crs=options["crs"],
                               max_unzipped=cfg["PLAN_UPLOAD_MAX_UNZIPPED_BYTES"])
    raw.name = filename
    return files.prepare(raw, kind, fields=options["fields"], make_valid=make_valid,
                         bounds=cfg["SERVICE_AREA"], max_vertices=cfg["MAX_GEOMETRY_VERTICES"])


def _effective(raw) -> dt.date | None:
    if raw in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise InvalidInput("'effective' must be a date YYYY-MM-DD", param="effective") from None
    today = schedule.local_today(current_app.config["TIMEZONE"])
    return day if schedule.later(day, today) else None


def _flag(raw, name: str) -> bool:
    if raw in (None, "", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise InvalidInput(f"'{name}' must be true or false", param=name)


def _answer(result: load.ImportResult) -> dict:
    return {"kind": result.kind, "status": "scheduled" if result.scheduled else "applied",
            "loaded": result.loaded, "inserted": result.inserted, "updated": result.updated,
            "unchanged": result.unchanged, "redrawn": result.redrawn,
            "incidents_moved": result.incidents_moved, "grids_outside": result.outside,
            "issues": [i._asdict() for i in result.issues],
            "scheduled": result.scheduled.answer() if result.scheduled else None}
