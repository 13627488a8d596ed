"""Routing an incident: its grid (``geo.places.assign``), who works it, and what to flag.

The rules, as SQL over a source relation ``s`` with ``s.geom`` (WGS-84 point),
``s.category``, ``s.reported_at``, ``s.route_to`` (the category's routing) and ``s.id``.
One statement routes one incident (the API) or a whole file (imports): the same rules
either way, each a LATERAL subquery that probes a GiST index. The duplicate rule has a
second shape for files (:func:`duplicate_window_sql` + :func:`duplicates_set_sql`): the
same probe of a small indexed table holding only the candidates of the file's time window,
built once; the match and order are written once (``_DUP_MATCH``, ``_DUP_ORDER``).

- **Grid and community**: the location rule of ``geo.places.assign`` (covered, snapped, out of
  area).
- **Assignee**: categories routed to the community office get no worker
  (``routed_to = community_office``). Otherwise, among the active full-time workers and
  grid chiefs serving the grid on the day of ``s.reported_at`` (``geo.people.schedule``):
  a worker on leave that day is replaced by the leave's substitute (``substitute``), or
  passed over when the leave names none; then the first in duty hours at that moment
  (by the worker's, or the substitute's, schedule), full-time before chief, lowest id.
  When nobody is in hours, the category's ``off_hours`` rule decides: ``worker`` (the
  default) gives it to the same order anyway, to be picked up next shift;
  ``community_office`` sends it to the community office; ``unassigned`` leaves it to the
  dispatcher. A grid with no one, or no grid, leaves the incident ``unassigned``.
- **Near a boundary**: another current grid within ``:boundary`` metres of the point (the
  nearest, lowest code on a tie) is recorded, so the dispatcher can move the incident there.
- **Possible duplicate**: an open, unmerged incident of the same category within
  ``:dup_m`` metres reported up to ``:dup_h`` hours before it (before it in (reported_at,
  id) order: the earlier one is the original); the nearest, then the latest, then the
  highest id.

These fragments are the rule, so they stay with it; the statements that compose them
are in ``geo.incidents.store`` (``intake``, ``imports``, ``workflow``).
"""

from __future__ import annotations

from geo.core.statuses import OPEN_SQL
from geo.people.schedule import in_hours, leave_of, serving
from geo.places.assign import locate_sql

# Metres as a degree box around a point, for the && index test before the exact distance
# (same margin reasoning as geo.places.assign).
_BOX = ("ST_Expand({p}, 1.01 * {m} / (111320 * cos(radians(ST_Y({p})))), "
        "1.01 * {m} / 110574)")

def _assignee(at: str, off_hours: str) -> str:
    """The assignee rule at the moment ``at`` for a category whose off-hours rule is
    ``off_hours`` (SQL expressions); see the module docstring."""
    return f"""
    (SELECT c.assignee_id, c.routed_to FROM (
        SELECT coalesce(sub.id, m.id) AS assignee_id,
               CASE WHEN lv.worker_id IS NOT NULL THEN 'substitute'
                    WHEN m.role = 'full_time' THEN 'full_time' ELSE 'grid_chief' END
                 AS routed_to,
               CASE WHEN sub.id IS NOT NULL THEN {in_hours('sub', at)}
                    ELSE {in_hours('m', at)} END AS on_duty,
               m.role = 'full_time' AS full_time, m.id AS worker_id
          FROM worker_grids wg
          JOIN grid_members m ON m.id = wg.worker_id
          LEFT JOIN LATERAL ({leave_of('m.id', at)}) lv ON TRUE
          LEFT JOIN grid_members sub ON sub.id = lv.substitute_id AND sub.active
         WHERE wg.grid_id = loc.grid_id AND s.route_to = 'grid' AND m.active
           AND {serving('wg', at)} AND m.role IN ('full_time', 'grid_chief')
           AND (lv.worker_id IS NULL OR sub.id IS NOT NULL)) c
      WHERE c.on_duty OR {off_hours} = 'worker'
      ORDER BY c.on_duty DESC, c.full_time DESC, c.worker_id
      LIMIT 1)
    UNION ALL
    (SELECT NULL::int, 'community_office'
      WHERE s.route_to = 'grid' AND {off_hours} = 'community_office')
    LIMIT 1
"""


# A category's off-hours rule, for sources that carry ``s.category``.
_OFF_HOURS = ("coalesce((SELECT oc.off_hours FROM categories oc WHERE oc.code = s.category),"
              " 'worker')")
_ASSIGNEE = _assignee("s.reported_at", _OFF_HOURS)
# Where the incident went, from the source row s and the assignee rule's row a.
ROUTED_TO = ("CASE WHEN s.route_to = 'community_office' THEN 'community_office'"
             " ELSE coalesce(a.routed_to, 'unassigned') END")

_BOUNDARY = """
    SELECT g.id AS boundary_grid_id,
           ST_Distance(g.geom::geography, s.geom::geography) AS boundary_distance_m
      FROM grids g
     WHERE loc.grid_id IS NOT NULL AND g.valid_to IS NULL AND g.id <> loc.grid_id
       AND g.geom && {box} AND ST_DWithin(g.geom::geography, s.geom::geography, :boundary)
     ORDER BY boundary_distance_m, g.code
     LIMIT 1
"""

# The duplicate rule, once: the candidate d is a possible original of the incident s.
_DUP_MATCH = """d.category = s.category
       AND d.status IN OPEN_SQL
       AND d.merged_into_id IS NULL
       AND d.reported_at >= s.reported_at - make_interval(secs => :dup_h * 3600.0)
       AND (d.reported_at, d.id) < (s.reported_at, s.id)  -- earlier ones only: no cycles
       AND ST_DWithin(d.geom::geography, s.geom::geography, :dup_m)""".replace(
    "OPEN_SQL", OPEN_SQL)
# Of several: the nearest, then the latest, then the highest id.
_DUP_ORDER = "ST_Distance(d.geom::geography, s.geom::geography), d.reported_at DESC, d.id DESC"
_DUP_BOX = _BOX.format(p="s.geom", m=":dup_m")

# Per row: a probe of a GiST index on ``{table}`` (the incidents for one report).
_PROBE = f"""
    SELECT d.id AS duplicate_of_id
      FROM (SELECT id, geom, category, status, merged_into_id, reported_at
              FROM {{table}} WHERE geom && {_DUP_BOX}
            OFFSET 0) d  -- the GiST index alone: ANDing the status or time indexes with
                         -- it costs ~10 ms a probe on a million incidents
     WHERE {_DUP_MATCH}
     ORDER BY {_DUP_ORDER}
     LIMIT 1
"""
_DUPLICATE = _PROBE.format(table="incidents")

# For many rows (a file): the same probe, of a temporary table holding only the
# candidates of the rows' time window (open, unmerged, reported from :dup_h before the
# first row to the last), GiST-indexed. On the incidents table each probe would also
# fetch every incident of the last months in the box (two million in the bench city).
_WINDOW = f"""
    DROP TABLE IF EXISTS duplicate_window;
    CREATE TEMP TABLE duplicate_window AS
    SELECT d.id, d.geom, d.category, d.status, d.merged_into_id, d.reported_at
      FROM {{candidates}} d,
           (SELECT min(reported_at) - make_interval(secs => :dup_h * 3600.0) AS first,
                   max(reported_at) AS last FROM {{source}} s) w
     WHERE d.reported_at BETWEEN w.first AND w.last AND d.geom IS NOT NULL
       AND d.status IN {OPEN_SQL} AND d.merged_into_id IS NULL;
    CREATE INDEX ON duplicate_window USING gist (geom);
    ANALYZE duplicate_window
"""


def report_details(routed: str, flagged: str) -> str:
    """The ``details`` of an incident's 'report' event: how ``routed`` (a row of
    :func:`routed_select`) was routed, with ``flagged``'s duplicate flag."""
    return f"""jsonb_strip_nulls(jsonb_build_object(
                   'routed_to', {routed}.routed_to, 'assignee_id', {routed}.assignee_id,
                   'located', {routed}.state, 'boundary_grid_id', {routed}.boundary_grid_id,
                   'duplicate_of_id', {flagged}.duplicate_of_id))"""


ROUTED_COLUMNS = ("grid_id", "community_id", "state", "distance_m", "assignee_id",
                  "routed_to", "boundary_grid_id", "boundary_distance_m", "duplicate_of_id")


# An incident given by building goes where the building is (the grid holding its
# largest part); by coordinates, by the location rule.
_LOCATE_OR_BUILDING = """
    (SELECT b.grid_id, b.community_id, 'covered' AS state, NULL::float8 AS distance_m
       FROM buildings b WHERE b.id = s.building_id AND b.grid_id IS NOT NULL)
    UNION ALL
    (SELECT * FROM ({locate}) rule)
    LIMIT 1
"""


def routed_select(source: str, *, duplicates: bool = True) -> str:
    """``SELECT s.*, <ROUTED_COLUMNS>`` over ``source`` (a table or subquery aliased s,
    with ``building_id`` too). Binds ``:snap``, ``:boundary`` and, with ``duplicates``,
    ``:dup_m`` and ``:dup_h`` (else duplicate_of_id is NULL: see :func:`duplicates_set_sql`).
    """
    locate = _LOCATE_OR_BUILDING.format(locate=locate_sql("s.geom"))
    duplicate = duplicate_probe() if duplicates else "SELECT NULL::bigint AS duplicate_of_id"
    return f"""
        SELECT s.*, loc.grid_id, loc.community_id, loc.state, loc.distance_m,
               a.assignee_id, {ROUTED_TO} AS routed_to,
               b.boundary_grid_id, b.boundary_distance_m, d.duplicate_of_id
          FROM {source}
         CROSS JOIN LATERAL ({locate}) loc
          LEFT JOIN LATERAL ({_ASSIGNEE}) a ON TRUE
          LEFT JOIN LATERAL ({_BOUNDARY.format(box=_BOX.format(p="s.geom", m=":boundary"))}) b
                 ON TRUE
          LEFT JOIN LATERAL ({duplicate}) d ON TRUE
    """


def duplicate_probe() -> str:
    """The duplicate rule per row (one report; :func:`routed_select` uses it): a LATERAL
    subquery over ``s`` (``id``, ``geom``, ``category``, ``reported_at``) yielding
    ``duplicate_of_id`` or no row. Binds ``:dup_m``, ``:dup_h``."""
    return _DUPLICATE


def duplicate_window_sql(source: str, candidates: str = "incidents") -> str:
    """Statements filling the TEMP table ``duplicate_window`` that
    :func:`duplicates_set_sql` probes: the possible originals, among ``candidates``
    (``id``, ``geom``, ``category``, ``status``, ``merged_into_id``, ``reported_at``; e.g.
    the incidents and a file's rows), of the rows of ``source`` (a table or subquery
    with ``reported_at``). Binds ``:dup_h``."""
    return _WINDOW.format(source=source, candidates=candidates)


def duplicates_set_sql(source: str) -> str:
    """The duplicate rule for many rows (a file): ``SELECT id, duplicate_of_id`` for each
    row of ``source`` (``id``, ``geom``, ``category``, ``reported_at``) that has a possible
    original in ``duplicate_window`` (:func:`duplicate_window_sql`). The same answer as
    :func:`duplicate_probe`; binds ``:dup_m``, ``:dup_h``."""
    return (f"SELECT s.id, d.duplicate_of_id FROM {source} s"
            f" CROSS JOIN LATERAL ({_PROBE.format(table='duplicate_window')}) d")


def assignee_sql() -> str:
    """The assignee rule for one grid (``:grid_id``) and routing (``:route_to``): for a
    move to another grid, now (a dispatcher's move: off hours, the worker anyway). Yields
    (assignee_id, routed_to) or no row."""
    rule = _assignee("now()", "'worker'")
    return (f"SELECT * FROM (SELECT CAST(:grid_id AS int) AS grid_id) loc,"
            f" (SELECT CAST(:route_to AS text) AS route_to) s, LATERAL ({rule}) a")


def assignee_rule(*, at: str = "now()", off_hours: str = "'worker'") -> str:
    """The assignee rule as a LATERAL subquery over ``loc.grid_id`` and ``s.route_to``
    (for re-routing many incidents at once, e.g. after a redraw: ``geo.plans.moves``), at
    the moment ``at`` with the off-hours rule ``off_hours`` (SQL expressions)."""
    return _assignee(at, off_hours)
