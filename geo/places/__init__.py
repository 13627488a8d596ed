"""Places: communities, grids (with dated versions) and buildings.

Owns the assignment rule (``assign``: which grid holds a point or a building), the
public lookup and the read queries (``store``), building search (``geocode``), map
outlines (``outlines``) and the OGC API – Features collections (``features``).

May import ``geo.core`` and ``geo.pg``.
"""
