"""Planners' writes to redraw plans, each audited in the transaction of the change.

The plan engine is :mod:`geo.plans.drafts` (and its siblings); this module adds what needs the
application: settings, the caller, the If-Match header and the audit log.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import Connection

from app.security import audit
from geo.core import text
from geo.core.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from geo.plans import drafts, parse
from geo.plans.check import Rules

CREATE_FIELDS = ("community", "name", "source", "at", "plan")


def limits() -> parse.Limits:
    cfg = current_app.config
    return parse.Limits(bounds=cfg["SERVICE_AREA"], max_vertices=cfg["MAX_GEOMETRY_VERTICES"],
                            max_grids=cfg["PLAN_MAX_GRIDS"],
                            max_unzipped=cfg["PLAN_UPLOAD_MAX_UNZIPPED_BYTES"])


def rules() -> Rules:
    cfg = current_app.config
    return Rules(households_min=cfg["PLAN_HOUSEHOLDS_MIN"],
                 households_max=cfg["PLAN_HOUSEHOLDS_MAX"],
                 sliver_m2=cfg["PLAN_SLIVER_M2"], min_compactness=cfg["PLAN_MIN_COMPACTNESS"])


def seen_version(plan_id: int) -> int:
    """The plan version named by the request's If-Match (428 without one, 412 if foreign)."""
    header = request.headers.get("If-Match")
    if not header or not header.strip():
        raise PreconditionRequired(
            f"send If-Match with the ETag of plan {plan_id} as you last read it (the ETag "
            "header of GET /api/v1/plans/<id>), so that no one's edit is overwritten unseen")
    for tag in header.split(","):
        version = drafts.version_of(tag, plan_id)
        if version is not None:
            return version
    raise PreconditionFailed(f"If-Match {header.strip()[:80]!r} is not an ETag of plan "
                             f"{plan_id}; read the plan again", details={"if_match": header[:80]})


def claim(conn: Connection, plan_id: int, *, draft: bool = True) -> drafts.PlanRef:
    return drafts.claim(conn, plan_id, seen_version(plan_id), current_user.communities,
                       draft=draft)


def create_from_json(conn: Connection, body) -> int:
    """``{"community", "name", "source": current|empty|version|plan, "at", "plan"}``."""
    if not isinstance(body, dict):
        raise InvalidInput('send a JSON object: {"community": CODE, "name": ..., '
                           '"source": "current"}')
    unknown = sorted(set(body) - set(CREATE_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; fields are "
                           f"{', '.join(CREATE_FIELDS)}", param=unknown[0])
    source = body.get("source", "current")
    if source not in drafts.SOURCES:
        raise InvalidInput(f"'source' must be one of {', '.join(drafts.SOURCES)} (or upload a "
                           "file as multipart/form-data)", param="source")
    at = _date(body.get("at")) if source == "version" else None
    if source != "version" and body.get("at") is not None:
        raise InvalidInput("'at' goes with source 'version'", param="at")
    from_plan = body.get("plan")
    if source == "plan" and (isinstance(from_plan, bool) or not isinstance(from_plan, int)):
        raise InvalidInput("source 'plan' needs 'plan': the id of the plan to copy",
                           param="plan")
    cid, code = _community(conn, body.get("community"))
    name = text.name(body.get("name"))
    plan_id = drafts.create(conn, cid, name, source, user_id=current_user.id, at=at,
                           from_plan=from_plan, scope=current_user.communities)
    _record_create(conn, plan_id, code, name, source, at=at and at.isoformat(), plan=from_plan)
    return plan_id


def create_from_file(conn: Connection, form, upload) -> int:
    """A multipart upload: ``file`` plus community, name, layer, encoding, crs,
    code_field, name_field, make_valid."""
    allowed = ("community", "name", "layer", "encoding", "crs", "code_field", "name_field",
               "make_valid")
    unknown = sorted(set(form) - set(allowed))
    if unknown:
        raise InvalidInput(f"unknown form field(s) {', '.join(unknown)}; fields are file, "
                           f"{', '.join(allowed)}", param=unknown[0])
    cid, code = _community(conn, form.get("community"))
    name = text.name(form.get("name"))
    fields = {k: form[f"{k}_field"] for k in ("code", "name") if form.get(f"{k}_field")}
    filename = upload.filename or "upload"
    rows = parse.file_rows(upload.read(), filename, layer=form.get("layer") or None,
                               encoding=form.get("encoding") or None,
                               crs=form.get("crs") or None, fields=fields,
                               make_valid=flag(form.get("make_valid"), "make_valid"),
                               limits=limits())
    plan_id = drafts.create(conn, cid, name, "file", user_id=current_user.id, rows=rows)
    _record_create(conn, plan_id, code, name, "file", file=filename, grids=len(rows))
    return plan_id


def _record_create(conn: Connection, plan_id: int, community: str, name: str, source: str,
                   **extra) -> None:
    audit.record("plan.create", "plan", plan_id, conn=conn, after={
        "community": community, "name": name, "source": source,
        **{k: v for k, v in extra.items() if v is not None}})


def _community(conn: Connection, code) -> tuple[int, str]:
    if not isinstance(code, str) or not (code.isascii() and code.isdigit() and len(code) == 12):
        raise InvalidInput("'community' must be a 12-digit community code", param="community")
    return drafts.community(conn, code, current_user.communities)


def _date(value):
    import datetime as dt

    if not isinstance(value, str):
        raise InvalidInput("source 'version' needs 'at': a date YYYY-MM-DD", param="at")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"'at' must be a date YYYY-MM-DD, got {value[:40]!r}",
                           param="at") from None


def flag(raw, name: str) -> bool:
    if raw in (None, "", "false", "0", False):
        return False
    if raw in ("true", "1", True):
        return True
    raise InvalidInput(f"'{name}' must be true or false", param=name)
