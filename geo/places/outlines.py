"""Light outlines of grids and communities for the public map, simplified for the zoom.

The public map asks for the outlines of what is in view whenever it moves; it never
receives the whole city. Each outline is simplified to about one screen pixel at the
zoom asked for and its coordinates rounded to a quarter pixel, so a view of a hundred
grids on a phone weighs a few tens of kilobytes. Properties are public ones only.
"""

from __future__ import annotations

import math

from sqlalchemy import Connection, text

from geo.core.params import Box

KINDS = {
    # kind → (FROM … WHERE, properties)
    "grids": ("grids t JOIN communities c ON c.id = t.community_id WHERE t.valid_to IS NULL",
              "json_build_object('code', t.code, 'name', t.name, 'community', c.name)"),
    "communities": ("communities t WHERE TRUE",
                    "json_build_object('code', t.code, 'name', t.name)"),
}
MAX_ZOOM = 22


def pixel_degrees(zoom: int) -> float:
    """Degrees of longitude one 256-px-tile pixel spans at ``zoom``.

    >>> round(pixel_degrees(13), 6)
    0.000172
    """
    return 360.0 / (256 * 2 ** zoom)


def outlines(conn: Connection, kind: str, box: Box, zoom: int, limit: int) -> str:
    """A GeoJSON FeatureCollection (text) of ``kind`` in ``box``, simplified for ``zoom``.

    At most ``limit`` features, by code; ``"truncated": true`` when more were in view.
    """
    from_where, props = KINDS[kind]
    tolerance = pixel_degrees(zoom)
    digits = min(7, max(3, math.ceil(math.log10(4 / tolerance))))
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
