"""The SQL that moves staged layer rows into their table: upsert by code, version grids.

:func:`upsert` reads the TEMP table ``layer_stage`` filled by :mod:`geo.layers.store.load` and,
inside the caller's transaction, inserts new codes and updates changed rows, leaving
unchanged rows untouched. A grid whose boundary moved gets a new version instead: the ids
of the versions closed are kept in the TEMP table ``layer_redrawn`` and those opened in
``layer_opened``, for the re-homing that follows (:mod:`geo.boundaries.rehome`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from sqlalchemy import Connection, text

# Table column → staging column, per kind; only columns the file provides are updated.
UPSERT_COLUMNS = {
    "communities": ("name", "street_name", "street_code", "households", "office_address"),
    "grids": ("name", "households"),
    "buildings": ("name", "address", "households", "residents"),
}
# A redraw moves a boundary by more than this (degrees, about 1 cm): smaller differences
# are the rounding of an export (7 decimals) read back in, not a new version.
REDRAW_TOLERANCE = 1e-7


class Counts(NamedTuple):
    """What an upsert did to the staged rows; they add up to the rows staged."""

    inserted: int
    updated: int
    unchanged: int
    redrawn: int = 0


def upsert(conn: Connection, kind: str, present: frozenset[str],
           valid_from: dt.date | None = None) -> Counts:
    """Move ``layer_stage`` into the ``kind`` table; see :func:`geo.layers.store.load.import_layer`.

    Parameters
    ----------
    conn : Connection
        In the transaction that staged the rows.
    kind : {"communities", "grids", "buildings"}
    present : frozenset of str
        The columns the file provides; the others are left as they are.
    valid_from : date, optional
        Grids: the day new versions start and redrawn ones end (default: today, the
        database's ``CURRENT_DATE``; a scheduled import gives its ``effective`` day).
    """
    if kind == "grids":
        return _upsert_grids(conn, present, valid_from)
    # The counts are NOT NULL (0 when the file has none); grid_id and community_id are
    # left to assign_buildings, which goes by the geometry, not by the code.
    extra = ({"households": "coalesce(s.households, 0)",
              "residents": "coalesce(s.residents, 0)"} if kind == "buildings" else {})
    return _upsert_by_code(conn, kind, present, extra)


def _set_list(kind: str, present: frozenset[str]) -> list[str]:
    return [c for c in UPSERT_COLUMNS[kind] if c in present]


def _staged(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM layer_stage")).scalar()


def _upsert_by_code(conn: Connection, kind: str, present: frozenset[str],
                    extra: Mapping[str, str]) -> Counts:
    """INSERT … ON CONFLICT (code) for communities and buildings; unchanged rows untouched."""
    cols = _set_list(kind, present)
    insert = {**{c: f"s.{c}" for c in cols}, **extra, "code": "s.code", "geom": "s.geom"}
    changed = ["geom", *cols]
    existing = conn.execute(text(
        f"SELECT count(*) FROM layer_stage s JOIN {kind} t USING (code)")).scalar()
    # Column names come from the fixed lists above, never from the file.
    touched = conn.execute(text(f"""
        INSERT INTO {kind} AS t ({', '.join(insert)})
        SELECT {', '.join(insert.values())} FROM layer_stage s
        ON CONFLICT (code) DO UPDATE
        SET {', '.join(f'{c} = EXCLUDED.{c}' for c in changed)}
        WHERE ({', '.join(f't.{c}' for c in changed)})
              IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in changed)})""")).rowcount
    inserted = _staged(conn) - existing
    updated = touched - inserted
    return Counts(inserted, updated, existing - updated)


def _upsert_grids(conn: Connection, present: frozenset[str],
                  valid_from: dt.date | None) -> Counts:
    """New version for a moved boundary, in-place update for attributes, insert new codes."""
    day = {"valid": valid_from}
    redrawn = _close_redrawn(conn, day)
    updated = _update_grids(conn, present)
    conn.execute(text("CREATE TEMP TABLE layer_opened (id integer) ON COMMIT DROP"))
    inserted = conn.execute(text("""
        WITH opened AS (
            INSERT INTO grids (code, name, community_id, households, geom, valid_from)
            SELECT s.code, s.name, c.id, s.households, s.geom,
                   coalesce(CAST(:valid AS date), CURRENT_DATE)
            FROM layer_stage s JOIN communities c ON c.code = s.parent
            WHERE NOT EXISTS (SELECT 1 FROM grids g
                              WHERE g.code = s.code AND g.valid_to IS NULL)
            RETURNING id)
        INSERT INTO layer_opened SELECT id FROM opened"""), day).rowcount
    unchanged = _staged(conn) - inserted - updated
    _follow_redraws(conn)
    return Counts(inserted - redrawn, updated, unchanged, redrawn)


def _close_redrawn(conn: Connection, day: dict) -> int:
    """Close (``valid_to`` = the day) the current grids whose boundary moved; remember them."""
    conn.execute(text("CREATE TEMP TABLE layer_redrawn (old_id integer, code text) "
                      "ON COMMIT DROP"))
    # The exact comparison first: Hausdorff only runs on geometries that differ at all.
    return conn.execute(text("""
        WITH closed AS (
            UPDATE grids g SET valid_to = coalesce(CAST(:valid AS date), CURRENT_DATE)
            FROM layer_stage s
            WHERE g.code = s.code AND g.valid_to IS NULL
              AND CASE WHEN g.geom = s.geom THEN false
                       ELSE ST_HausdorffDistance(g.geom, s.geom) > :tol END
            RETURNING g.id, g.code)
        INSERT INTO layer_redrawn SELECT id, code FROM closed"""),
        {"tol": REDRAW_TOLERANCE, **day}).rowcount


def _update_grids(conn: Connection, present: frozenset[str]) -> int:
    """Attribute changes (and a new community) of current grids, made in place."""
    cols = ["community_id", *_set_list("grids", present)]
    values = {"community_id": "c.id", **{c: f"s.{c}" for c in cols[1:]}}
    return conn.execute(text(f"""
        UPDATE grids g SET {', '.join(f'{c} = {values[c]}' for c in cols)}
        FROM layer_stage s JOIN communities c ON c.code = s.parent
        WHERE g.code = s.code AND g.valid_to IS NULL
          AND ({', '.join(f'g.{c}' for c in cols)})
              IS DISTINCT FROM ({', '.join(values[c] for c in cols)})""")).rowcount


def _follow_redraws(conn: Connection) -> None:
    """People and organisations serve the grid, not one version of its boundary (resident
    party members then follow their home building: :mod:`geo.boundaries.rehome`)."""
    for table, column in (("worker_grids", "grid_id"), ("party_orgs", "grid_id"),
                          ("party_members", "serving_grid_id")):
        conn.execute(text(f"""
            UPDATE {table} t SET {column} = g.id
            FROM layer_redrawn r JOIN grids g ON g.code = r.code AND g.valid_to IS NULL
            WHERE t.{column} = r.old_id"""))


def versions_changed(conn: Connection) -> tuple[list[int], list[int]]:
    """(closed, opened) grid version ids of a grids upsert, for re-homing."""
    closed = conn.execute(text("SELECT old_id FROM layer_redrawn ORDER BY old_id"))
    opened = conn.execute(text("SELECT id FROM layer_opened ORDER BY id"))
    return list(closed.scalars()), list(opened.scalars())
