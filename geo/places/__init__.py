"""Places: communities, grids (with dated versions) and buildings.

Owns the assignment rule (``assign``: which grid holds a point or a building, with the
SQL that applies it), building search (``geocode``), map outlines (``outlines``) and the
OGC API – Features collections (``features``). Their queries, and the public lookup and
read queries, are in ``store`` (``reads``, ``geocode``, ``outlines``, ``features``).

May import ``geo.core`` and ``geo.pg``.
"""
