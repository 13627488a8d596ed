"""Light outlines of grids and communities for the public map, simplified for the zoom.

The public map asks for the outlines of what is in view whenever it moves; it never
receives the whole city. Each outline is simplified to about one screen pixel at the
zoom asked for and its coordinates rounded to a quarter pixel, so a view of a hundred
grids on a phone weighs a few tens of kilobytes. Properties are public ones only.
"""

from __future__ import annotations

import math

from sqlalchemy import Connection

from geo.core.params import Box
from geo.places.store import outlines as outline_store

MAX_ZOOM = 22


def pixel_degrees(zoom: int) -> float:
    """Degrees of longitude one 256-px-tile pixel spans at ``zoom``.

    >>> round(pixel_degrees(13), 6)
    0.000172
    """
    return 360.0 / (256 * 2 ** zoom)


def outlines(conn: Connection, kind: str, box: Box, zoom: int, limit: int) -> str:
    """A GeoJSON FeatureCollection (text) of ``kind`` (``grids`` or ``communities``) in
    ``box``, simplified for ``zoom`` (to a pixel, coordinates to a quarter pixel).

    At most ``limit`` features, by code; ``"truncated": true`` when more were in view.
    """
    tolerance = pixel_degrees(zoom)
    digits = min(7, max(3, math.ceil(math.log10(4 / tolerance))))
    return outline_store.outlines(conn, kind, box, tolerance, digits, limit)
