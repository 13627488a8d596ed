"""Layer files in: read one layer of a GeoJSON, GeoPackage or zipped Shapefile.

Importing is two steps. :func:`read_layer` checks that a file is what its name says (magic
bytes) and, for a zip, that it is safe to unpack (:mod:`geo.layers.archive`, before GDAL sees it),
then returns the raw features and the CRS they are in. :func:`geo.layers.prep.prepare` maps
the fields and checks every row (:mod:`geo.layers.check`); :mod:`geo.layers.store.load` loads the
rows in one transaction, and :mod:`geo.layers.write` writes the report and exports. The
public names of all of these are importable from here, which is what the CLI uses.
No Flask and no SQL here.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyogrio.raw
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.core import crs as geocrs
from geo.core.errors import InvalidFile, InvalidInput
from geo.layers.archive import MAX_UNZIPPED_BYTES, unpack_shapefile
from geo.layers.check import KINDS, WORLD, Issue
from geo.layers.prep import PreparedLayer, RowsRejected, map_fields, prepare
from geo.layers.raw import RawLayer
from geo.layers.write import export_driver, write_layer, write_report

__all__ = ["KINDS", "MAX_UNZIPPED_BYTES", "WORLD", "Issue", "PreparedLayer", "RawLayer",
           "RowsRejected", "export_driver", "file_sha256", "map_fields", "normalise_crs",
           "prepare", "read_layer", "sniff", "unpack_shapefile", "write_layer",
           "write_report"]

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage",
           ".zip": "zipped Shapefile"}
# The GDAL drivers a layer file may be opened with: whatever else GDAL would detect in a
# file that passed :func:`sniff` (ESRIJSON, TopoJSON, GeoJSONSeq, ...) is refused.
DRIVERS = ("GeoJSON", "GPKG", "ESRI Shapefile")
MAGIC = {"zipped Shapefile": b"PK\x03\x04", "GeoPackage": b"SQLite format 3\x00"}
WGS84 = CRS.from_epsg(4326)


def normalise_crs(value: str | None) -> str | None:
    """Check a ``--crs`` value: a :data:`geo.core.crs.CRS_NAMES` name or anything pyproj reads.

    >>> normalise_crs("GCJ-02"), normalise_crs("EPSG:4547")
    ('gcj02', 'EPSG:4547')
    """
    if value is None:
        return None
    try:
        return geocrs.parse_crs(value)
    except InvalidInput:
        try:
            CRS.from_user_input(value)
        except CRSError as err:
            raise InvalidInput(
                f"unknown --crs {value!r}: give an EPSG code (EPSG:4547), a PROJ/WKT string "
                f"or one of {', '.join(geocrs.CRS_NAMES)}", param="crs") from err
        return value


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file, read in 1 MiB blocks (recorded in ``layer_imports``)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sniff(path: Path) -> str:
    """The format named by the extension, after checking the file's first bytes match it."""
    label = FORMATS.get(path.suffix.lower())
    if label is None:
        raise InvalidFile(f"{path.name}: unsupported file type {path.suffix!r}; use .geojson, "
                          ".gpkg or a .zip holding a shapefile (.shp, .shx, .dbf, .prj)")
    with open(path, "rb") as f:
        head = f.read(64)
    if label == "GeoJSON":
        ok = head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")
    else:
        ok = head.startswith(MAGIC[label])
    if not ok:
        raise InvalidFile(f"{path.name} is not a {label} file (it starts with {head[:16]!r})")
    return label


# --- reading ------------------------------------------------------------------------------

def read_layer(path: Path, *, layer: str | None = None, encoding: str | None = None,
               crs: str | None = None, max_features: int | None = None,
               max_unzipped: int | None = None) -> RawLayer:
    """Read one layer of a GeoJSON, GeoPackage or zipped Shapefile.

    Parameters
    ----------
    path : Path
        The file; its extension must match its content (see :func:`sniff`).
    layer : str, optional
        GeoPackage layer, or shapefile name inside a zip holding several.
    encoding : str, optional
        Text encoding of a shapefile's .dbf (e.g. ``gbk``), overriding its .cpg.
    crs : str, optional
        The CRS of the coordinates, overriding what the file declares (see
        :func:`normalise_crs`); required when the file declares none, and to confirm a
        GeoJSON ``crs`` member that is not WGS-84.
    max_features : int, optional
        Refuse a layer with more features, counted (``pyogrio.read_info``) before any is read.
    max_unzipped : int, optional
        Bytes a zip may unpack to (default :data:`MAX_UNZIPPED_BYTES`).

    Raises
    ------
    InvalidFile
        With a message naming the file and what is wrong with it.
    """
    label = sniff(path)
    crs = normalise_crs(crs)
    limits = _Bounds(max_features, max_unzipped)
    if label == "zipped Shapefile":
        raw = _read_zip(path, layer, encoding, crs, limits)
    elif label == "GeoPackage":
        raw = _read(path, path.name, layer=_choose_layer(path, layer), encoding=encoding,
                    max_features=max_features)
    else:
        raw = _read_geojson(path, layer, encoding, crs, max_features)
    raw.crs = crs or raw.crs
    if raw.crs is None:
        raise InvalidFile(f"{path.name} declares no coordinate system; give it with --crs")
    return raw


class _Bounds(NamedTuple):
    max_features: int | None
    max_unzipped: int | None


def _read_zip(path: Path, layer: str | None, encoding: str | None,
              crs: str | None, limits: _Bounds) -> RawLayer:
    with tempfile.TemporaryDirectory(prefix="gridmap-shp-") as tmp:
        # The default is looked up here, at call time, so it can be lowered on this module.
        shp, extras = unpack_shapefile(path, layer, Path(tmp),
                                       max_bytes=limits.max_unzipped or MAX_UNZIPPED_BYTES)
        raw = _read(shp, path.name, encoding=encoding, max_features=limits.max_features)
    if crs is None and "prj" not in extras:
        raise InvalidFile(f"{path.name}: the shapefile has no .prj, so its coordinate system "
                          "is unknown; give it with --crs (e.g. --crs EPSG:4547 or gcj02)")
    if encoding is None and "cpg" not in extras:
        _refuse_mojibake(raw)
    return raw


def _read_geojson(path: Path, layer: str | None, encoding: str | None,
                  crs: str | None, max_features: int | None) -> RawLayer:
    if layer:
        raise InvalidInput("--layer applies to GeoPackages and zips only", param="layer")
    raw = _read(path, path.name, encoding=encoding, max_features=max_features)
    if crs is None:
        _refuse_geojson_crs(path, raw.crs)
        raw.crs = "wgs84"
    return raw


def _read(path: Path, name: str, *, layer: str | None = None, encoding: str | None = None,
          max_features: int | None = None) -> RawLayer:
    _check_info(path, name, layer, encoding, max_features)
    try:
        meta, _, wkb, data = pyogrio.raw.read(path, layer=layer, encoding=encoding)
    except Exception as err:  # every GDAL/pyogrio failure here means a bad file
        raise InvalidFile(f"cannot read {name}: {err}") from err
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if len(wkb) else np.array([], object)
    fields = dict(zip(meta["fields"], data, strict=True))
    return RawLayer(name, fields, np.asarray(geoms, dtype=object), meta["crs"])


def _check_info(path: Path, name: str, layer: str | None, encoding: str | None,
                max_features: int | None) -> None:
    """Before reading any feature: the driver GDAL chose is allowed (:data:`DRIVERS`) and
    the layer has at most ``max_features`` features."""
    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding,
                                 force_feature_count=max_features is not None)
    except Exception as err:  # every GDAL/pyogrio failure here means a bad file
        raise InvalidFile(f"cannot read {name}: {err}") from err
    if info.get("driver") not in DRIVERS:
        raise InvalidFile(f"{name} is read by GDAL's {info.get('driver')} driver; only "
                          f"{', '.join(DRIVERS)} files are accepted")
    if max_features is not None and info["features"] > max_features:
        raise InvalidFile(f"{name} has {info['features']} features (at most {max_features})")


def _choose_layer(path: Path, layer: str | None) -> str:
    try:
        names = [str(n) for n, kind in pyogrio.list_layers(path) if kind is not None]
    except Exception as err:  # a damaged SQLite file
        raise InvalidFile(f"cannot read {path.name}: {err}") from err
    if layer is not None and layer not in names:
        raise InvalidFile(f"{path.name} has no layer {layer!r}; its layers: {', '.join(names)}")
    if layer is None and len(names) != 1:
        listing = ", ".join(names) or "none with geometries"
        raise InvalidFile(f"{path.name} has {len(names)} layers ({listing}); "
                          "choose one with --layer")
    return layer or names[0]


def _refuse_mojibake(raw: RawLayer) -> None:
    """GBK .dbf files without a .cpg come out as Latin-1 mojibake (东城 → ¶«³Ç)."""
    for values in raw.fields.values():
        for value in values[:200]:
            if not isinstance(value, str) or value.isascii() or max(value) > "\xff":
                continue
            try:
                fixed = value.encode("latin-1").decode("gbk")
            except UnicodeError:
                continue
            if re.search(r"[\u4e00-\u9fff]", fixed):
                raise InvalidFile(
                    f"{raw.name}: the .dbf has no .cpg and its text looks like GBK read as "
                    f"Latin-1 ({value!r} would be {fixed!r}); pass --encoding gbk "
                    "(or --encoding latin1 if the text really is Latin-1)")


def _refuse_geojson_crs(path: Path, gdal_crs: Any) -> None:
    """RFC 7946 GeoJSON is WGS-84: any other ``crs`` member must be confirmed with --crs."""
    member = _crs_member(path)
    named = None
    if isinstance(member, dict):
        props = member.get("properties") or {}
        named = props.get("name") or props.get("href") or (
            f"EPSG:{props['code']}" if "code" in props else repr(member))
    elif member not in (None, _ABSENT):
        named = repr(member)
    if named is None and gdal_crs is not None and not _is_wgs84(gdal_crs):
        named = str(gdal_crs)
    if named is not None and not _is_wgs84(named):
        raise InvalidFile(
            f"{path.name} declares crs {named!r}, but GeoJSON (RFC 7946) is WGS-84 lon/lat; "
            f"if the coordinates really are in that system, confirm it with --crs {named}")


_ABSENT = object()


def _crs_member(path: Path) -> Any:
    """The top-level ``crs`` member, looked for before ``features`` (where writers put it)."""
    with open(path, "rb") as f:
        head = f.read(1 << 20).decode("utf-8-sig", errors="replace")
    head = head[:head.find('"features"')] if '"features"' in head else head
    found = re.search(r'"crs"\s*:\s*', head)
    if not found:
        return _ABSENT
    try:
        return json.JSONDecoder().raw_decode(head, found.end())[0]
    except ValueError:
        return head[found.end():found.end() + 60]


def _is_wgs84(value: Any) -> bool:
    try:
        return CRS.from_user_input(value).to_2d().equals(WGS84, ignore_axis_order=True)
    except CRSError:
        return False
