"""Every SQL statement of the plans package, one named function per question.

Why raw SQL here rather than ORM queries: the plan engine is PostGIS work (``ST_Split``,
``ST_Union``, ``ST_Relate``, ``ST_Difference``, ``ST_DumpPoints``, areas on the spheroid with
``geography``) and set-based statements (publishing moves a whole community's grids and
people in a few ``UPDATE ... FROM`` statements, never a row at a time; what follows for
incidents, buildings and party members is ``geo.boundaries``).
The statements are shaped for the planner (``MATERIALIZED`` CTEs, grid-driven ``LATERAL``
probes of the GiST indexes) and that shape is the point; each says why where it matters.

- :mod:`~geo.plans.store.sides`: one side of a redraw measured (its grids, their buildings,
  incidents and people, the pieces the checks report).
- :mod:`~geo.plans.store.drafts`: plans and their grids and building assignments
  (create, claim, read, list, change), and the inputs of derived and automatic drafts.
- :mod:`~geo.plans.store.edit`: drawing on a plan's grids (split, merge, move a vertex).
- :mod:`~geo.plans.store.publish`: the statements of the publishing transaction.

Functions take plain values (ids, codes, hex EWKB) or a :class:`~geo.plans.store.sides.SideKey`
and return rows; the modules of :mod:`geo.plans` turn those into findings, reports and
dataclasses. Every function works in the caller's transaction.
"""
