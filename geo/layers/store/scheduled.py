"""A grids or communities layer imported with ``effective``, applied on its day.

:func:`import_scheduled` is the applier of ``grids`` and ``communities`` changes
(:mod:`geo.boundaries.schedule`): it stages the rows kept with the change as they were
checked, checks again that grids stay nested (:mod:`geo.boundaries.nesting`; a failure
keeps the change scheduled with the error), upserts them with the versions dated from
``effective`` (grid versions directly, community versions through the trigger of
migration 0016, told the day by ``gridmap.valid_from``), then re-homes in the name of
whoever imported it, as an import made that day would.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from geo.boundaries.schedule import ScheduledChange
from geo.layers.store.load import STAGE_TABLE, ImportResult, follow, nested
from geo.layers.store.upsert import upsert
from geo.places.assign import DEFAULT_SNAP_METERS

_RESTAGE = {
    "grids": """
        INSERT INTO layer_stage (row, code, name, parent, households, geom)
        SELECT row_number() OVER (ORDER BY g.id), g.code, g.name, c.code, g.households,
               g.geom
          FROM boundary_change_grids g JOIN communities c ON c.id = g.community_id
         WHERE g.change_id = :c""",
    "communities": """
        INSERT INTO layer_stage (row, code, name, street_name, street_code, office_address,
                                 households, geom)
        SELECT row_number() OVER (ORDER BY k.id), k.code, k.name, k.street_name,
               k.street_code, k.office_address, k.households, k.geom
          FROM boundary_change_communities k WHERE k.change_id = :c""",
}


def import_scheduled(conn: Connection, change: ScheduledChange, *,
                     snap_meters: float = DEFAULT_SNAP_METERS) -> dict:
    """Apply a scheduled layer on its day; returns the counts and the incidents moved."""
    conn.execute(text("SET LOCAL statement_timeout = '10min'"))
    conn.execute(text(STAGE_TABLE))
    conn.execute(text(_RESTAGE[change.kind]), {"c": change.id})
    conn.execute(text("ANALYZE layer_stage"))
    options = change.options or {}
    outside = nested(conn, change.kind, None, bool(options.get("allow_outside")))
    present = frozenset(options.get("present", ()))
    # The community versions this writes start on the change's day, not today.
    conn.execute(text("SELECT set_config('gridmap.valid_from', :day, true)"),
                 {"day": change.effective.isoformat()})
    counts = upsert(conn, change.kind, present, change.effective)
    conn.execute(text("SELECT set_config('gridmap.valid_from', '', true)"))
    result = ImportResult(change.kind, loaded=sum(counts), **counts._asdict())
    follow(conn, result, change.created_by,
            {"layer_import": change.source, "scheduled_change": change.id}, snap_meters)
    return {**counts._asdict(), "buildings_reassigned": result.reassigned,
            "incidents_moved": result.incidents_moved, "grids_outside": outside}
