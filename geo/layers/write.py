"""Writing layer files: the import report (CSV) and exports (GeoJSON or GeoPackage)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely

from geo.core.csvcells import safe_row
from geo.core.errors import GridmapError, InvalidInput
from geo.layers.check import Issue

# GDAL 3.8+ writes GeoPackage 1.4 by default, which Debian 12's GDAL 3.6 (and QGIS 3.22
# on it) opens with a warning; 1.2 holds everything we write and every reader knows it.
GPKG_VERSION = "1.2"


# The export columns whose type does not show when every value is missing (a town whose
# grids have no households of their own): written as these types all the same.
FIELD_TYPES = {"households": "int", "residents": "int", "valid_from": "date",
               "valid_to": "date"}


def write_report(path: Path, issues: Sequence[Issue]) -> None:
    """CSV ``row,code,status,reason``; UTF-8 with a BOM so that Excel shows Chinese text."""
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(Issue._fields)
        writer.writerows(safe_row(issue) for issue in sorted(issues))


def export_driver(path: Path) -> str:
    """The GDAL driver for an export file name: ``GeoJSON`` or ``GPKG``, else InvalidInput."""
    drivers = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}
    if path.suffix.lower() not in drivers:
        raise InvalidInput(f"cannot export to {path.name}: the name must end in .geojson "
                           "or .gpkg", param="file")
    return drivers[path.suffix.lower()]


def write_layer(path: Path, layer: str, columns: Mapping[str, Sequence[Any]],
                wkb: Sequence[bytes]) -> None:
    """Write features in EPSG:4326 as RFC 7946 GeoJSON or as one GeoPackage layer.

    GeoJSON gets counter-clockwise exteriors, coordinates rounded to 7 decimals and no
    ``crs`` member, and replaces ``path``; a GeoPackage keeps its other layers and is
    written as version 1.2 (:data:`GPKG_VERSION`). Dates are date fields in both.
    """
    driver = export_driver(path)
    geoms = shapely.orient_polygons(shapely.from_wkb(np.array(wkb, dtype=object)))
    data, masks = _field_arrays(columns)
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": "7"} if driver == "GeoJSON" else {}
    creation = {"VERSION": GPKG_VERSION} if driver == "GPKG" and not path.exists() else {}
    try:
        if driver == "GeoJSON":
            path.unlink(missing_ok=True)
        pyogrio.raw.write(path, shapely.to_wkb(geoms), data, list(columns), field_mask=masks,
                          layer=layer, driver=driver, geometry_type="MultiPolygon",
                          crs="EPSG:4326", layer_options=options,
                          dataset_options=creation)
    except Exception as err:  # GDAL: a folder that does not exist, a full disk, ...
        raise GridmapError(f"cannot write {path}: {err}") from err


def _field_arrays(columns: Mapping[str, Sequence[Any]]) -> tuple[list, list]:
    """Per column an int64, date or text array and a mask of its missing values."""
    data, masks = [], []
    for name, values in columns.items():
        kind = _kind(name, [v for v in values if v is not None])
        if kind == "int":
            data.append(np.array([v or 0 for v in values], dtype="int64"))
        elif kind == "date":
            data.append(np.array([v or dt.date(1970, 1, 1) for v in values],
                                 dtype="datetime64[D]"))
        else:
            data.append(np.array([None if v is None else str(v) for v in values], dtype=object))
        masks.append(np.array([v is None for v in values], dtype=bool))
    return data, masks


def _kind(name: str, present: list) -> str:
    if not present:
        return FIELD_TYPES.get(name, "text")
    if all(isinstance(v, int) for v in present):
        return "int"
    if all(isinstance(v, dt.date) for v in present):
        return "date"
    return "text"
