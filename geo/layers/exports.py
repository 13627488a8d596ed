"""Layer downloads: communities, grids (as in force on a day) and buildings as GeoPackage,
GeoJSON or CSV, and the building → grid assignment table. No Flask here.

The columns are those ``flask layers export`` writes (``geo.layers.store.reads.read_layer``), so
a downloaded file imports back with ``flask layers import``. CSV carries the geometry as
WKT (EPSG:4326, lon/lat) in a ``wkt`` column, UTF-8 with a byte-order mark so that Excel
shows Chinese text; text cells follow the CSV rule of :mod:`geo.core.csvcells`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import shapely
from sqlalchemy import Connection

from geo.core.csvcells import safe_row
from geo.layers.store.reads import building_assignments, read_layer
from geo.layers.write import write_layer

# Media types without parameters: the web layer adds "charset=utf-8" to text types itself
# (once; it was sent twice when this said it too).
FORMATS = {"gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json",
           "csv": "text/csv"}


def export_layer(conn: Connection, kind: str, fmt: str, at: dt.date | None = None,
                 scope: frozenset[int] | None = None) -> bytes:
    """The layer ``kind`` as a file of format ``fmt`` (a key of :data:`FORMATS`); buildings
    only within the ``scope`` communities (None: every one)."""
    columns, wkb = read_layer(conn, kind, at=at, scope=scope)
    if fmt == "csv":
        wkt = shapely.to_wkt(shapely.from_wkb(wkb), rounding_precision=7) if wkb else []
        return _csv(list(columns) + ["wkt"],
                    zip(*columns.values(), wkt, strict=True) if wkb else [])
    with tempfile.TemporaryDirectory(prefix="gridmap-export-") as folder:
        path = Path(folder) / f"{kind}.{fmt}"
        write_layer(path, kind, columns, wkb)
        return path.read_bytes()


def assignment_csv(conn: Connection, scope: frozenset[int] | None = None) -> bytes:
    """Which current grid (and community) each building is assigned to, by building code.
    Buildings in no grid have empty grid columns; only those within ``scope`` (None: all)."""
    return _csv(*building_assignments(conn, scope))


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
