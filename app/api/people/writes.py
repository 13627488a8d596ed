"""What the people routes share: the caller's scope, ETags and If-Match, audit entries of
changes (before/after) and of reads of private fields, JSON of stored values."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import insert

from app.extensions import db
from app.models import AuditEntry
from app.security import audit
from geo.core.errors import PreconditionFailed, PreconditionRequired

# Fields a person's record holds that only people managers see, and whose reads are
# audited (PIPL): a worker's private phone, a party member's whole record.
PRIVATE = {"worker": ("private_phone",), "party_member": ("name", "phone", "work_unit")}


def scope():
    return current_user.communities


def conn():
    return db.session.connection()


def plain(value):
    """A stored value as JSON: dates as ISO text, arrays as lists."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def record(row: dict) -> dict:
    return {k: plain(v) for k, v in row.items()}


def etag(entity: str, row: dict) -> str:
    return f'"{entity}-{row["id"]}-{row["version"]}"'


def answer(entity: str, row: dict, status: int = 200):
    """The record as JSON with its ETag."""
    response = jsonify(record(row))
    response.status_code = status
    response.headers["ETag"] = etag(entity, row)
    return response


def check_version(entity: str, row: dict) -> None:
    """The request's If-Match must name the record as it is now (428 without, 412 stale)."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise PreconditionRequired(f"send If-Match with the ETag of {entity} {row['id']} as "
                                   "you last read it, so that no one's change is overwritten "
                                   "unseen")
    if etag(entity, row) not in [t.strip() for t in header.split(",")] and header != "*":
        raise PreconditionFailed(f"{entity} {row['id']} changed since you read it (now "
                                 f"{etag(entity, row)}); read it again",
                                 details={"if_match": header[:80]})


def changed(action: str, entity: str, before: dict | None, after: dict | None) -> None:
    """Audit a change with the fields that differ (private values included: the audit
    log is admins' only)."""
    keys = sorted(set(before or {}) | set(after or {}))
    keys = [k for k in keys if k != "version" and (before or {}).get(k) != (after or {}).get(k)]
    ident = (after or before or {}).get("id")
    audit.record(action, entity, ident,
                 before={k: plain((before or {}).get(k)) for k in keys} if before else None,
                 after={k: plain((after or {}).get(k)) for k in keys} if after else None)


def read_private(entity: str, ids: list[int], fields: tuple[str, ...] | None = None) -> None:
    """Audit a read of private fields of ``ids`` (committed with the request)."""
    if ids:
        audit.record(f"{entity}.read_private", entity,
                     ids[0] if len(ids) == 1 else None,
                     after={"ids": ids[:1000], "count": len(ids),
                            "fields": list(fields or PRIVATE[entity])})


def history(entity: str, ident: int, limit: int) -> list[dict]:
    """Who changed the record, when, and what (its audit entries, newest first; reads
    of private fields are in the audit log, not here)."""
    entries = audit.entries(entity=entity, entity_id=str(ident), limit=limit * 4)
    return [audit.as_dict(e) for e in entries
            if not e.action.endswith(".read_private")][:limit]


def import_roster(kind: str, data: bytes, name: str, *, encoding: str | None, dry_run: bool,
                  store_good: bool, communities=None) -> dict:
    """Import a roster file in the caller's transaction and audit it: one entry for the
    file, and one per record written (so each person's history starts with the import).
    The API and ``flask people import`` both come here."""
    from geo.people import files, imports

    connection = conn()
    table = files.read(data, name, files.kind_of(kind), encoding)
    report = imports.run(connection, kind, table, scope=communities,
                         actor=audit.actor_name(), dry_run=dry_run, store_good=store_good)
    summary = report.as_dict()
    if report.written:
        entity = ENTITIES[kind]
        actor, user_id, token_id, ip = audit._actor()
        connection.execute(insert(AuditEntry), [
            {"actor": actor, "user_id": user_id, "token_id": token_id, "ip": ip,
             "action": f"{entity}.import", "entity": entity, "entity_id": str(i),
             "after": {"file": name}} for i in report.ids])
    if not dry_run:
        audit.record("people.import", kind, None, conn=connection, after={
            "file": name, **{k: summary[k] for k in ("rows", "good", "bad", "written")}})
    return {"file": name, **summary}


ENTITIES = {"workers": "worker", "party-members": "party_member", "departments": "department"}


def export_roster(kind: str, fmt: str, *, private: bool, communities=None) -> bytes:
    """A roster download; with ``private`` the unmasked phones' read is audited."""
    from geo.people import exports

    table = exports.rows(conn(), kind, communities, private=private)
    audit.record("people.export", kind, None, after={
        "rows": len(table) - 1, "format": fmt, "private": private})
    return exports.encode(table, fmt)
