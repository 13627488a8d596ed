"""Spatial and domain logic with no Flask in it: one package per domain.

Dependencies go one way, and no package imports one to its right:

    core ← pg ← places ← people ← incidents ← field, boundaries ← layers ← plans, stats ← demo

(``layers`` and ``incidents`` never import each other directly; nor ``field`` and
``boundaries`` or ``layers``.)

- ``core``: coordinates (crs), request parameters (params), the error hierarchy, the
  words for incident statuses and sources.
- ``pg``: PostgreSQL plumbing (COPY, bulk statements, prepared statements).
- ``places``: communities, grids and buildings; the assignment rule; lookup, geocoding,
  outlines and the OGC feature queries.
- ``people``: grid workers (grids served, duty, leave, consent), the party's organisations
  and members (双报到), departments; roster imports and exports.
- ``incidents``: intake, import, routing, the workflow, deadlines, resident reports, Open311.
- ``field``: the grid worker's tasks, evidence, patrols and notifications (``/work``).
- ``boundaries``: what follows a boundary change (re-homing), changes on a later day.
- ``layers``: boundary files in and out (GeoJSON, GeoPackage, Shapefile).
- ``plans``: redraw plans, their checks, impact and publishing; automatic drafts.
- ``stats``: caseload and coverage numbers, and the geometry the statistics maps draw.
- ``demo``: the synthetic demo city.

Each domain keeps its SQL in a ``store`` module (or names where it is hand-written, and why).
"""
