"""The SQL of the layers domain: loading checked rows into PostGIS and reading them out.

- :mod:`.load`: an import in the caller's transaction (COPY to a TEMP stage, PostGIS's
  own validity check, parents, building re-assignment, the ``layer_imports`` record);
- :mod:`.upsert`: the set-based statements that move the stage into its table, with
  grid versions;
- :mod:`.reads`: layers (and the building assignment) read back for export.

Why raw SQL: a layer is loaded with COPY and a few set-based statements (an ORM would
write row by row), PostGIS is the authority on validity (its GEOS differs from
shapely's), and exports take WKB straight from ``ST_AsBinary``.
"""
