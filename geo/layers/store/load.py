"""The SQL that loads layers into PostGIS and reads them back out.

:func:`import_layer` takes rows already checked by :func:`geo.layers.prep.prepare` and, inside
the caller's transaction: COPYs them into a TEMP staging table, lets PostGIS (the authority
on validity: its GEOS differs from shapely's) and the parent tables reject more rows, then
upserts with set-based statements (:mod:`geo.layers.store.upsert`), re-homes what new grid
boundaries move (:mod:`geo.boundaries.rehome`: open incidents, buildings, party members) or
re-assigns buildings, and records the run in ``layer_imports``. If a row is rejected and
``skip_invalid`` is false it raises :class:`geo.layers.prep.RowsRejected` before touching
any table, so the caller's rollback leaves nothing behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from geo.boundaries import nesting
from geo.boundaries.rehome import Change, rehome, rehome_communities
from geo.boundaries.schedule import ScheduledChange, schedule_layer
from geo.layers.check import Issue
from geo.layers.prep import PreparedLayer, RowsRejected
from geo.layers.store.upsert import upsert, versions_changed
from geo.places.assign import DEFAULT_SNAP_METERS, assign_buildings

STAGE_COLUMNS = ("row", "code", "name", "parent", "street_name", "street_code",
                 "office_address", "address", "households", "residents", "geom")
COPY_CHUNK = 20_000
ANALYZE_AFTER = 1_000


@dataclass
class ImportResult:
    """What an import did: counts by outcome, the per-row issues, and any earlier import."""

    kind: str
    loaded: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    redrawn: int = 0
    reassigned: int | None = None
    incidents_moved: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    previous_import: dt.datetime | None = None
    scheduled: ScheduledChange | None = None
    outside: list[dict] = field(default_factory=list)  # grids left outside (allowed)

    @property
    def rejected(self) -> int:
        return sum(i.status == "rejected" for i in self.issues)

    @property
    def repaired(self) -> int:
        return sum(i.status == "repaired" for i in self.issues)


def import_layer(conn: Connection, prepared: PreparedLayer, *, source: str, sha256: str,
                 options: Mapping[str, Any], skip_invalid: bool = False,
                 make_valid: bool = False,
                 progress: Callable[[int], None] | None = None,
                 effective: dt.date | None = None, actor: str = "layers import",
                 snap_meters: float = DEFAULT_SNAP_METERS) -> ImportResult:
    """Load prepared rows into their table inside the caller's transaction.

    Parameters
    ----------
    conn : Connection
        In a transaction (``engine.begin()``): the staging table is dropped at commit.
    prepared : PreparedLayer
        From :func:`geo.layers.prep.prepare`.
    source, sha256, options
        Recorded in ``layer_imports``.
    skip_invalid : bool
        Load the valid rows when some are rejected; otherwise raise ``RowsRejected``.
    make_valid : bool
        Repair with ``ST_MakeValid`` the rows that PostGIS finds invalid (shapely passed them).
    effective : date, optional
        Grids and communities: a later day (:mod:`geo.boundaries.schedule`): the checked
        rows are kept until then (:mod:`geo.layers.store.scheduled`).
    actor, snap_meters
        For re-homing after a grids import: who is named in the incidents' history, and
        the assignment rule's snapping distance (``ASSIGN_SNAP_METERS``).

    Notes
    -----
    Communities and buildings are upserted by code. A current grid whose boundary moved is
    closed (``valid_to`` = today) and a new version is current from today; its people
    follow it. Then the re-homing rule of :mod:`geo.boundaries.rehome` (after communities:
    ``rehome_communities``); after buildings, they are re-assigned. Rows absent from the
    file are left alone. Grids stay nested (:mod:`geo.boundaries.nesting`: refused, or
    with ``options["allow_outside"]`` reported in ``outside``).
    """
    # Large files: one long COPY and set-based statements, well past the web timeout.
    conn.execute(text("SET LOCAL statement_timeout = '10min'"))
    _stage(conn, prepared, progress)
    issues = list(prepared.issues)
    issues += _reject_invalid_in_postgis(conn, make_valid)
    issues += _reject_unknown_parents(conn, prepared.kind)
    issues.sort()
    if any(i.status == "rejected" for i in issues) and not skip_invalid:
        raise RowsRejected(issues, prepared.total)
    previous = _previous_import(conn, sha256)
    outside = nested(conn, prepared.kind, effective, bool(options.get("allow_outside")))
    if effective is not None:  # a later day: keep the checked rows until then
        result = ImportResult(prepared.kind, loaded=_staged(conn), issues=issues,
                              previous_import=previous, outside=outside)
        return _schedule(conn, result, prepared, effective, source=source, sha256=sha256,
                         options=options, actor=actor)
    counts = upsert(conn, prepared.kind, prepared.present)
    result = ImportResult(prepared.kind, loaded=sum(counts), **counts._asdict(),
                          issues=issues, previous_import=previous, outside=outside)
    follow(conn, result, actor, {"layer_import": source[-200:], "sha256": sha256},
            snap_meters)
    _record(conn, result, source, sha256, options)
    return result


def follow(conn: Connection, result: ImportResult, actor: str, details: dict,
            snap_meters: float) -> None:
    """What follows new rows: re-homing after grids, re-assignment after buildings."""
    if result.inserted + result.redrawn > ANALYZE_AFTER:
        # Fresh statistics before assign_buildings plans its joins: autovacuum cannot see
        # rows this transaction has not committed, and stale counts pick nested loops.
        conn.execute(text(f"ANALYZE {result.kind}"))
    if result.kind == "grids":
        _rehome(conn, result, actor, details, snap_meters)
    elif result.kind == "communities":
        _rehome_communities(conn, result, actor, details)
    elif result.kind == "buildings":
        result.reassigned = _reassign_buildings(conn, result)


STAGE_TABLE = """
    CREATE TEMP TABLE layer_stage (
        row integer PRIMARY KEY, code text NOT NULL, name text, parent text,
        street_name text, street_code text, office_address text, address text,
        households integer, residents integer, geom geometry(MultiPolygon, 4326) NOT NULL
    ) ON COMMIT DROP"""


def _schedule(conn: Connection, result: ImportResult, prepared: PreparedLayer,
              effective: dt.date, *, source: str, sha256: str, options: Mapping[str, Any],
              actor: str) -> ImportResult:
    """Keep the staged rows as a change scheduled for ``effective``; record the import."""
    result.scheduled = schedule_layer(
        conn, effective, source=source, actor=actor, kind=prepared.kind,
        options={**options, "present": sorted(prepared.present), "sha256": sha256})
    _record(conn, result, source, sha256, {**options, "effective": effective.isoformat()})
    return result


def _staged(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM layer_stage")).scalar_one()


def _stage(conn: Connection, prepared: PreparedLayer,
           progress: Callable[[int], None] | None) -> None:
    # TEMP + ON COMMIT DROP: private to this transaction, gone on commit or rollback.
    conn.execute(text(STAGE_TABLE))
    rows = prepared.rows
    columns = [rows.get(name, [None] * len(prepared)) for name in STAGE_COLUMNS]
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        for start in range(0, len(prepared), COPY_CHUNK):
            buffer = io.StringIO()
            block = [c[start:start + COPY_CHUNK] for c in columns]
            csv.writer(buffer).writerows(zip(*block, strict=True))
            buffer.seek(0)
            # COPY is the fast path for many rows; the geometry arrives as hex EWKB text.
            cursor.copy_expert(f"COPY layer_stage ({', '.join(STAGE_COLUMNS)}) "
                               "FROM STDIN WITH (FORMAT csv)", buffer)
            if progress:
                progress(len(block[0]))
    finally:
        cursor.close()
    # Temp tables are never auto-analysed; without statistics the joins below go wrong.
    conn.execute(text("ANALYZE layer_stage"))


def _reject_invalid_in_postgis(conn: Connection, make_valid: bool) -> list[Issue]:
    """Rows valid for shapely's GEOS but not for PostGIS's: repaired or rejected."""
    if make_valid:
        # Hand-written: ST_MakeValid 'method=structure' matches shapely's repair.
        repaired = conn.execute(text("""
            WITH bad AS (
                SELECT row, ST_IsValidReason(geom) AS reason FROM layer_stage
                WHERE NOT ST_IsValid(geom))
            UPDATE layer_stage s
            SET geom = ST_Multi(ST_CollectionExtract(
                ST_MakeValid(s.geom, 'method=structure keepcollapsed=false'), 3))
            FROM bad WHERE s.row = bad.row
            RETURNING s.row, s.code, bad.reason""")).all()
    else:
        repaired = []
    rejected = conn.execute(text("""
        DELETE FROM layer_stage
        WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom)
        RETURNING row, code,
            CASE WHEN ST_IsEmpty(geom) THEN 'repair left no area'
                 ELSE ST_IsValidReason(geom) END AS reason""")).all()
    gone = {r.row for r in rejected}
    return ([Issue(r.row, r.code, "repaired",
                   f"invalid in PostGIS: {r.reason}; repaired with ST_MakeValid")
             for r in repaired if r.row not in gone]
            + [Issue(r.row, r.code, "rejected", f"invalid in PostGIS: {r.reason}"
                     + ("" if make_valid else "; pass --make-valid to repair"))
               for r in rejected])


def _reject_unknown_parents(conn: Connection, kind: str) -> list[Issue]:
    if kind == "communities":
        return []
    # A 15-digit parent is a current grid, a 12-digit one a community.
    rows = conn.execute(text("""
        DELETE FROM layer_stage s
        WHERE NOT EXISTS (SELECT 1 FROM communities c WHERE c.code = s.parent)
          AND NOT EXISTS (SELECT 1 FROM grids g
                          WHERE g.code = s.parent AND g.valid_to IS NULL)
        RETURNING row, code, parent""")).all()
    what = {12: "community", 15: "current grid"}
    return [Issue(r.row, r.code, "rejected",
                  f"unknown parent code {r.parent}: no {what[len(r.parent)]} has it")
            for r in rows]


def _previous_import(conn: Connection, sha256: str) -> dt.datetime | None:
    return conn.execute(text("SELECT max(at) FROM layer_imports WHERE sha256 = :sha"),
                        {"sha": sha256}).scalar()


def _touched(conn: Connection, result: ImportResult) -> list[int] | None:
    """The communities a layer touches (the staged rows, and the old grid versions it
    closed), or None when that is every community."""
    redrawn = """
        UNION SELECT c.id FROM layer_redrawn r JOIN grids g ON g.id = r.old_id
        JOIN communities c ON ST_Intersects(c.geom, g.geom)""" if result.kind == "grids" else ""
    # Driven by the staged rows: each probes the GiST index on communities once.
    scope = conn.execute(text(f"""
        SELECT DISTINCT c.id FROM layer_stage s JOIN communities c ON ST_Intersects(c.geom, s.geom)
        {redrawn}""")).scalars().all()
    everywhere = conn.execute(text("SELECT count(*) FROM communities")).scalar()
    return None if len(scope) == everywhere else scope


def _reassign_buildings(conn: Connection, result: ImportResult) -> int:
    """Buildings follow the current grids: re-assign those in the communities touched."""
    if result.inserted + result.redrawn + result.updated == 0:
        return 0
    return assign_buildings(conn, _touched(conn, result))


def _rehome(conn: Connection, result: ImportResult, actor: str, details: dict,
            snap_meters: float) -> None:
    """New grid boundaries: open incidents, buildings and party members follow them."""
    if result.inserted + result.redrawn + result.updated == 0:
        result.reassigned = 0
        return
    closed, opened = versions_changed(conn)
    note = f"网格边界导入 (grids layer imported: {details['layer_import']})"
    done = rehome(conn, Change(closed, opened, _touched(conn, result), actor, note=note,
                               details=details), snap_meters)
    result.reassigned = done.buildings
    result.incidents_moved = done.incidents


def nested(conn: Connection, kind: str, day: dt.date | None, allow_outside: bool) -> list[dict]:
    """The nesting check of staged grids or communities (today's, or on ``day``)."""
    if kind == "grids":
        return nesting.check(nesting.staged_grids(conn, day), allow_outside)
    if kind == "communities":
        return nesting.check(nesting.staged_communities(conn, day), allow_outside)
    return []


def _rehome_communities(conn: Connection, result: ImportResult, actor: str,
                        details: dict) -> None:
    """New community boundaries: out-of-area incidents, buildings, party members follow."""
    if result.inserted + result.updated == 0:
        result.reassigned = 0
        return
    note = f"社区边界导入 (communities layer imported: {details['layer_import']})"
    done = rehome_communities(conn, Change((), (), _touched(conn, result), actor, note=note,
                                           details=details))
    result.reassigned = done.buildings
    result.incidents_moved = done.incidents


def _record(conn: Connection, result: ImportResult, source: str, sha256: str,
            options: Mapping[str, Any]) -> None:
    conn.execute(text("""
        INSERT INTO layer_imports (kind, source, sha256, rows_loaded, rows_rejected,
                                   rows_repaired, options, at)
        VALUES (:kind, :source, :sha, :loaded, :rejected, :repaired, :options, now())"""),
        {"kind": result.kind, "source": source[-500:], "sha": sha256, "loaded": result.loaded,
         "rejected": result.rejected, "repaired": result.repaired,
         "options": json.dumps(dict(options), ensure_ascii=False, sort_keys=True)})
