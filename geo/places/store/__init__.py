"""The SQL of the places domain: one module per part, one named function per question.

- :mod:`.reads`: the public lookup (prepared, the hottest query), communities, grids and
  buildings as GeoJSON, and the small lists pages need;
- :mod:`.geocode`: building search, ranked in the server;
- :mod:`.outlines`: simplified outlines of what is in a map view;
- :mod:`.features`: the OGC API – Features pages and extents.

Why raw SQL: GeoJSON is assembled by PostgreSQL (``json_build_object``/``json_agg``) and
handed back as text, faster than Python could re-encode it; the spatial work (``&&`` on
the GiST indexes, ``ST_Covers``, simplification, trigram search) is PostGIS's and
pg_trgm's. The assignment rule (``geo.places.assign``) keeps its SQL next to its rule: it
is a fragment other domains compose into their statements.
"""
