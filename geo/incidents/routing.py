"""Routing an incident: its grid (``geo.places.assign``), who works it, and what to flag.

The rules, as SQL over a source relation ``s`` with ``s.geom`` (WGS-84 point),
``s.category``, ``s.reported_at``, ``s.route_to`` (the category's routing) and ``s.id``.
One statement routes one incident (the API) or a whole file (imports): the same rules
either way, each a LATERAL subquery that probes a GiST index, except the assignee, which
depends only on the grid for a file routed at one moment: its branches are written once
(:func:`_choice`) over the grid's first worker, looked up per row for one incident and
once per grid for a file (:func:`assigned_set_sql`). The duplicate rule has a
second shape for files (:func:`duplicate_window_sql` + :func:`duplicates_set_sql`): one
hash join by (category, cell) of the rows and the candidates of the file's time window,
built once; the match and order are written once (``_DUP_MATCH``, ``_DUP_ORDER``).

- **Grid and community**: the location rule of ``geo.places.assign`` (covered, snapped, out of
  area).
- **Assignee**: categories routed to the community office get no worker
  (``routed_to = community_office``). Otherwise, among the active full-time workers and
  grid chiefs serving the grid on the day of the routing moment (``geo.people.schedule``;
  a report's ``s.reported_at``, an import's now: its tickets are open work today):
  a worker on leave that day is replaced by the leave's substitute (``substitute``), or
  passed over when the leave names none; then the first in duty hours at that moment
  (by the worker's, or the substitute's, schedule), full-time before chief, lowest id.
  When nobody is in hours, the category's ``off_hours`` rule decides: ``worker`` (the
  default) gives it to the same order anyway, to be picked up next shift;
  ``community_office`` sends it to the community office; ``unassigned`` leaves it to the
  dispatcher. A grid with no one, or no grid, leaves the incident ``unassigned``.
- **Responsibility overlays** (部件先属主、事件先属地): a polygon, or a line with a buffer,
  whose unit (a department, a property company, a grid) answers for some categories
  (table ``overlays``; the most specific covering the point on the day reported). The
  category's ``precedence`` says when: ``owner`` — the overlay before the grid (even for a
  category routed to the community office); ``place`` (the default) — only where the grid
  gives nobody. Its incident is ``routed_to = overlay`` with ``overlay_id``; a grid unit's
  worker is picked by the order above (on duty first), a department or company is named by
  the overlay (no worker).
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
from geo.people.schedule import in_hours, leave_of, local, serving
from geo.places.assign import locate_sql

# Metres as a degree box around a point, for the && index test before the exact distance
# (same margin reasoning as geo.places.assign).
_BOX = ("ST_Expand({p}, 1.01 * {m} / (111320 * cos(radians(ST_Y({p})))), "
        "1.01 * {m} / 110574)")


def _workers(at: str, grid: str) -> str:
    """The workers who may take an incident of the grid ``grid`` at the moment ``at`` (SQL
    expressions), with what the order needs (see the module docstring)."""
    return f"""
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
         WHERE wg.grid_id = {grid} AND m.active
           AND {serving('wg', at)} AND m.role IN ('full_time', 'grid_chief')
           AND (lv.worker_id IS NULL OR sub.id IS NOT NULL)"""


_ORDER = "ORDER BY c.on_duty DESC, c.full_time DESC, c.worker_id LIMIT 1"


def _first_worker(at: str, grid: str) -> str:
    """The first of the grid's workers in the rule's order (on duty first), with whether
    they are on duty at ``at``; no row when the grid has none. The assignee rule needs
    nothing else of a grid, so a file's rows share one answer per grid."""
    return (f"SELECT c.assignee_id, c.routed_to, c.on_duty"
            f" FROM ({_workers(at, grid)}) c {_ORDER}")


# The responsibility overlay of ``s.geom`` for ``s.category`` on the (local) day of the
# routing moment, valid_to exclusive: the most specific (smallest reach) first, with the
# category's precedence and, for a grid unit, its first worker (off-hours rule aside). A
# line's reach is a little wider than its buffer, for the index; the exact distance decides.
_OVERLAY = """
    SELECT o.id AS overlay_id,
           coalesce((SELECT p.precedence FROM categories p WHERE p.code = s.category),
                    'place') AS precedence,
           (SELECT w.assignee_id FROM grids og CROSS JOIN LATERAL (FIRST) w
             WHERE og.code = o.grid_code AND og.valid_to IS NULL) AS assignee_id
      FROM overlays o
     WHERE o.reach && s.geom AND s.category = ANY(o.categories)
       AND o.valid_from <= DAY AND (o.valid_to IS NULL OR o.valid_to > DAY)
       AND CASE WHEN o.buffer_m IS NULL THEN ST_Covers(o.geom, s.geom)
                ELSE ST_DWithin(o.geom::geography, s.geom::geography, o.buffer_m) END
     ORDER BY o.area_m2, o.id
     LIMIT 1
"""
_NO_OVERLAY = "SELECT NULL::int AS overlay_id, NULL::text AS precedence, NULL::int AS assignee_id"


def _overlay(at: str) -> str:
    return (_OVERLAY.replace("DAY", f"{local(at)}::date")
            .replace("FIRST", _first_worker(at, "og.id")))


def _choice(off_hours: str) -> str:
    """The assignee rule's answer (assignee_id, routed_to, overlay_id; all NULL: nobody)
    from the grid's first worker ``w`` (:func:`_first_worker`, NULLs when none), the
    overlay ``ov`` (``_OVERLAY``, NULLs when none), ``s.route_to`` and the category's
    off-hours rule ``off_hours``. In order: an owner-first overlay; the grid's worker
    (on duty, or anyway when the off-hours rule is ``worker``); the community office
    (off-hours rule ``community_office``); a place-first overlay. Written once: one
    incident and a whole file take the same branches."""
    owner = "ov.precedence = 'owner'"
    grid = (f"s.route_to = 'grid' AND w.routed_to IS NOT NULL"
            f" AND (w.on_duty OR {off_hours} = 'worker')")
    office = f"s.route_to = 'grid' AND {off_hours} = 'community_office'"
    place = "ov.precedence = 'place' AND s.route_to = 'grid'"
    return f"""
        CASE WHEN {owner} THEN ov.assignee_id WHEN {grid} THEN w.assignee_id
             WHEN {office} THEN NULL WHEN {place} THEN ov.assignee_id END AS assignee_id,
        CASE WHEN {owner} THEN 'overlay' WHEN {grid} THEN w.routed_to
             WHEN {office} THEN 'community_office' WHEN {place} THEN 'overlay' END
          AS routed_to,
        CASE WHEN {owner} THEN ov.overlay_id WHEN {grid} OR {office} THEN NULL
             WHEN {place} THEN ov.overlay_id END AS overlay_id"""


def _assignee(at: str, off_hours: str, overlays: bool = False) -> str:
    """The assignee rule at the moment ``at`` for a category whose off-hours rule is
    ``off_hours`` (SQL expressions), for one row ``s`` located in ``loc``, yielding
    (assignee_id, routed_to, overlay_id) or no row; see the module docstring.
    ``overlays``: responsibility overlays apply (needs ``s.geom``, ``s.category``)."""
    overlay = _overlay(at) if overlays else _NO_OVERLAY
    return f"""
    SELECT * FROM (
        SELECT {_choice(off_hours)}
          FROM (SELECT 1) one
          LEFT JOIN LATERAL (SELECT f.* FROM ({_first_worker(at, 'loc.grid_id')}) f
                              WHERE s.route_to = 'grid') w ON TRUE
          LEFT JOIN LATERAL ({overlay}) ov ON TRUE) a
     WHERE a.routed_to IS NOT NULL
"""


# A category's off-hours rule, for sources that carry ``s.category``.
_OFF_HOURS = ("coalesce((SELECT oc.off_hours FROM categories oc WHERE oc.code = s.category),"
              " 'worker')")
# Where the incident went, from the source row s and the assignee rule's row a (an
# owner-first overlay answers even for a category routed to the community office).
ROUTED_TO = ("CASE WHEN a.routed_to = 'overlay' THEN 'overlay'"
             " WHEN s.route_to = 'community_office' THEN 'community_office'"
             " ELSE coalesce(a.routed_to, 'unassigned') END")

_BOUNDARY = """
    SELECT g.id AS boundary_grid_id,
           ST_Distance(g.geom::geography, s.geom::geography) AS boundary_distance_m
      FROM grids g
     WHERE {grid} IS NOT NULL AND g.valid_to IS NULL AND g.id <> {grid}
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

# For many rows (a file): the same match and order, as one hash join instead of a probe
# per row. The candidates of the rows' time window (open, unmerged, reported from :dup_h
# before the first row to the last) go into a temporary table with their cell: a grid of
# cells at least as wide as the probe's box (``_BOX``, at the rows' highest latitude), so
# every candidate in a row's box lies in the row's cell or one of its eight neighbours.
# Each row is joined by (category, cell) to the candidates of those nine cells, then the
# rule's match and order decide, as in the probe. (A probe per row of a GiST-indexed
# window took about 6 minutes for the 500,000 suspects of a million-row file.)
_WINDOW = f"""
    DROP TABLE IF EXISTS duplicate_window, duplicate_cell;
    CREATE TEMP TABLE duplicate_cell AS
    SELECT 1.01 * :dup_m / 110574 AS cy,
           1.01 * :dup_m / (111320 * cos(radians(least(89, max(abs(ST_Y(s.geom))))))) AS cx
      FROM {{source}} s;
    ANALYZE duplicate_cell;  -- one row: unanalysed, the planner guesses a thousand and
                             -- merge-joins ten billion estimated rows with disk sorts
    CREATE TEMP TABLE duplicate_window AS
    SELECT d.id, d.geom, d.category, d.status, d.merged_into_id, d.reported_at,
           CAST(floor(ST_X(d.geom) / c.cx) AS int) AS gx,
           CAST(floor(ST_Y(d.geom) / c.cy) AS int) AS gy
      FROM {{candidates}} d, duplicate_cell c,
           (SELECT min(reported_at) - make_interval(secs => :dup_h * 3600.0) AS first,
                   max(reported_at) AS last FROM {{source}} s) w
     WHERE d.reported_at BETWEEN w.first AND w.last AND d.geom IS NOT NULL
       AND d.status IN {OPEN_SQL} AND d.merged_into_id IS NULL;
    ANALYZE duplicate_window
"""
_NEIGHBOURS = ("(VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1),"
               " (1, 0), (1, 1)) o(dx, dy)")
_HASHED = f"""
    SELECT DISTINCT ON (s.id) s.id, d.id AS duplicate_of_id
      FROM (SELECT s.id, s.geom, s.category, s.reported_at,
                   CAST(floor(ST_X(s.geom) / c.cx) AS int) + o.dx AS gx,
                   CAST(floor(ST_Y(s.geom) / c.cy) AS int) + o.dy AS gy
              FROM {{source}} s, duplicate_cell c, {_NEIGHBOURS}) s
      JOIN duplicate_window d
        ON d.category = s.category AND d.gx = s.gx AND d.gy = s.gy
     WHERE d.geom && {_DUP_BOX}  -- the probe's box, tested first: about half the
       AND {_DUP_MATCH}          -- pairs of nine cells then skip the spheroid
     ORDER BY s.id, {_DUP_ORDER}
"""


def report_details(routed: str, flagged: str) -> str:
    """The ``details`` of an incident's 'report' event: how ``routed`` (a row of
    :func:`routed_select`) was routed, with ``flagged``'s duplicate flag."""
    return f"""jsonb_strip_nulls(jsonb_build_object(
                   'routed_to', {routed}.routed_to, 'assignee_id', {routed}.assignee_id,
                   'overlay_id', {routed}.overlay_id,
                   'located', {routed}.state, 'boundary_grid_id', {routed}.boundary_grid_id,
                   'duplicate_of_id', {flagged}.duplicate_of_id))"""


ROUTED_COLUMNS = ("grid_id", "community_id", "state", "distance_m", "assignee_id",
                  "routed_to", "boundary_grid_id", "boundary_distance_m", "duplicate_of_id",
                  "overlay_id")


# An incident given by building goes where the building is (the grid holding its
# largest part); by coordinates, by the location rule.
_LOCATE_OR_BUILDING = """
    (SELECT b.grid_id, b.community_id, 'covered' AS state, NULL::float8 AS distance_m
       FROM buildings b WHERE b.id = s.building_id AND b.grid_id IS NOT NULL)
    UNION ALL
    (SELECT * FROM ({locate}) rule)
    LIMIT 1
"""


def routed_select(source: str, *, duplicates: bool = True, at: str = "s.reported_at") -> str:
    """``SELECT s.*, <ROUTED_COLUMNS>`` over ``source`` (a table or subquery aliased s,
    with ``building_id`` too), each row probing the rules: one report. ``at``: the
    routing moment (a report is routed as it arrives, at ``s.reported_at``). Binds
    ``:snap``, ``:boundary`` and, with ``duplicates``, ``:dup_m`` and ``:dup_h`` (else
    duplicate_of_id is NULL: see :func:`duplicates_set_sql`)."""
    locate = _LOCATE_OR_BUILDING.format(locate=locate_sql("s.geom"))
    duplicate = duplicate_probe() if duplicates else "SELECT NULL::bigint AS duplicate_of_id"
    return f"""
        SELECT s.*, loc.grid_id, loc.community_id, loc.state, loc.distance_m,
               a.assignee_id, {ROUTED_TO} AS routed_to,
               b.boundary_grid_id, b.boundary_distance_m, d.duplicate_of_id, a.overlay_id
          FROM {source}
         CROSS JOIN LATERAL ({locate}) loc
          LEFT JOIN LATERAL ({_assignee(at, _OFF_HOURS, overlays=True)}) a ON TRUE
          LEFT JOIN LATERAL ({boundary_probe()}) b
                 ON TRUE
          LEFT JOIN LATERAL ({duplicate}) d ON TRUE
    """


def boundary_probe(grid: str = "loc.grid_id") -> str:
    """The boundary rule per row: a LATERAL subquery over ``s.geom`` and the row's grid
    (the SQL expression ``grid``) yielding (boundary_grid_id, boundary_distance_m) or
    no row. Binds ``:boundary``."""
    return _BOUNDARY.format(grid=grid, box=_BOX.format(p="s.geom", m=":boundary"))


def located_select(source: str) -> str:
    """``SELECT s.*, grid_id, community_id, state, distance_m, boundary_grid_id,
    boundary_distance_m`` over ``source`` (as :func:`routed_select`): the location and
    boundary rules, per row (they probe the grids), without the assignee."""
    locate = _LOCATE_OR_BUILDING.format(locate=locate_sql("s.geom"))
    return f"""
        SELECT s.*, loc.grid_id, loc.community_id, loc.state, loc.distance_m,
               b.boundary_grid_id, b.boundary_distance_m
          FROM {source}
         CROSS JOIN LATERAL ({locate}) loc
          LEFT JOIN LATERAL ({boundary_probe()}) b
                 ON TRUE
    """


def assigned_set_sql(table: str, at: str = "now()") -> str:
    """The assignee rule for many located rows at one moment ``at`` (a file, routed as
    of now): ``SELECT s.*, assignee_id, routed_to, overlay_id`` over ``table`` (with
    ``grid_id``, ``route_to``, ``category``, ``geom``). The same answer as
    :func:`routed_select` with that ``at``: the same :func:`_choice`, but each grid's first
    worker is looked up once (hash-joined) instead of once per row, and the categories'
    off-hours rules are joined. Only the overlay probe (a GiST index) is per row."""
    return f"""
        WITH firsts AS MATERIALIZED (
            SELECT g.grid_id, f.* FROM (SELECT DISTINCT grid_id FROM {table}
                                         WHERE route_to = 'grid' AND grid_id IS NOT NULL) g
             CROSS JOIN LATERAL ({_first_worker(at, 'g.grid_id')}) f)
        SELECT s.*, a.assignee_id, {ROUTED_TO} AS routed_to, a.overlay_id
          FROM {table} s
          LEFT JOIN firsts w ON w.grid_id = s.grid_id AND s.route_to = 'grid'
          LEFT JOIN categories oc ON oc.code = s.category
          LEFT JOIN LATERAL ({_overlay(at)}) ov ON TRUE
         CROSS JOIN LATERAL (SELECT {_choice("coalesce(oc.off_hours, 'worker')")}) a
    """


def duplicate_probe() -> str:
    """The duplicate rule per row (one report; :func:`routed_select` uses it): a LATERAL
    subquery over ``s`` (``id``, ``geom``, ``category``, ``reported_at``) yielding
    ``duplicate_of_id`` or no row. Binds ``:dup_m``, ``:dup_h``."""
    return _DUPLICATE


def duplicate_window_sql(source: str, candidates: str = "incidents") -> str:
    """Statements filling the TEMP tables ``duplicate_window`` and ``duplicate_cell`` that
    :func:`duplicates_set_sql` joins: the possible originals, among ``candidates``
    (``id``, ``geom``, ``category``, ``status``, ``merged_into_id``, ``reported_at``; e.g.
    the incidents and a file's rows), of the rows of ``source`` (a table or subquery
    with ``geom`` and ``reported_at``). Binds ``:dup_m``, ``:dup_h``."""
    return _WINDOW.format(source=source, candidates=candidates)


def duplicates_set_sql(source: str) -> str:
    """The duplicate rule for many rows (a file): ``SELECT id, duplicate_of_id`` for each
    row of ``source`` (``id``, ``geom``, ``category``, ``reported_at``) that has a possible
    original in ``duplicate_window`` (:func:`duplicate_window_sql`). The same answer as
    :func:`duplicate_probe`; binds ``:dup_m``, ``:dup_h``."""
    return _HASHED.format(source=source)


def assignee_sql() -> str:
    """The assignee rule for one grid (``:grid_id``) and routing (``:route_to``): for a
    move to another grid, now (a dispatcher's move: off hours, the worker anyway). Yields
    (assignee_id, routed_to) or no row."""
    rule = _assignee("now()", "'worker'")
    return (f"SELECT * FROM (SELECT CAST(:grid_id AS int) AS grid_id) loc,"
            f" (SELECT CAST(:route_to AS text) AS route_to) s, LATERAL ({rule}) a")


def assignee_rule(*, at: str = "now()", off_hours: str = "'worker'",
                  overlays: bool = False) -> str:
    """The assignee rule as a LATERAL subquery over ``loc.grid_id`` and ``s.route_to``
    (for re-routing many incidents at once, e.g. after a redraw: ``geo.boundaries.moves``),
    at the moment ``at`` with the off-hours rule ``off_hours`` (SQL expressions), yielding
    (assignee_id, routed_to, overlay_id). ``overlays``: responsibility overlays apply as
    in :func:`routed_select` (``s`` needs ``geom``, ``category`` and ``reported_at``)."""
    return _assignee(at, off_hours, overlays)
