"""SQL of map outlines (``geo.places.outlines``): simplified, by the GiST index, as GeoJSON.

Raw SQL because PostGIS does the work: ``&&`` picks candidates by the index,
``ST_SimplifyPreserveTopology`` thins them for the zoom and ``json_agg`` writes the
collection in the server, with public properties only.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from geo.core.params import Box

KINDS = {
    # kind → (FROM … WHERE, properties)
    "grids": ("grids t JOIN communities c ON c.id = t.community_id WHERE t.valid_to IS NULL",
              "json_build_object('code', t.code, 'name', t.name, 'community', c.name)"),
    "communities": ("communities t WHERE TRUE",
                    "json_build_object('code', t.code, 'name', t.name)"),
}


def outlines(conn: Connection, kind: str, box: Box, tolerance: float, digits: int,
             limit: int) -> str:
    """A GeoJSON FeatureCollection (text) of ``kind`` in ``box``, simplified by
    ``tolerance`` degrees, ``digits`` decimals; at most ``limit`` features, by code."""
    from_where, props = KINDS[kind]
    # && picks candidates by the GiST index; the view's edge cuts nothing: a feature
    # that overlaps it is sent whole so that panning a little needs no new request.
    sql = f"""
        WITH page AS (
            SELECT t.code, {props} AS props,
                   ST_AsGeoJSON(ST_ForcePolygonCCW(ST_SimplifyPreserveTopology(t.geom, :tol)),
                                {digits})::json AS geometry
              FROM {from_where}
               AND t.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
             ORDER BY t.code LIMIT :limit + 1)
        SELECT json_build_object(
                 'type', 'FeatureCollection',
                 'truncated', (SELECT count(*) FROM page) > :limit,
                 'features', coalesce((
                     SELECT json_agg(json_build_object('type', 'Feature', 'geometry', geometry,
                                                       'properties', props) ORDER BY code)
                       FROM (SELECT * FROM page ORDER BY code LIMIT :limit) kept),
                   '[]'::json))::text"""
    return conn.execute(text(sql), {"tol": tolerance, "limit": limit,
                                    **dict(zip(("x0", "y0", "x1", "y1"), box, strict=True))}
                        ).scalar_one()
