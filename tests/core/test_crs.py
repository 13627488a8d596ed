"""Unit tests for geo.core.crs: user CRS names, GCJ-02/BD-09 shifts, file reprojection."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely import (
    GeometryCollection,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
)

from geo.core.crs import (
    CRS_NAMES,
    from_wgs84,
    geometry_from_wgs84,
    geometry_to_wgs84,
    parse_crs,
    reproject_geometries,
    to_wgs84,
)
from geo.core.errors import InvalidInput

GEOD = Geod(ellps="WGS84")
TIANANMEN = (116.391275, 39.906217)  # WGS-84
SHIFTED = ("gcj02", "bd09")

CITY_CENTRES = {
    "beijing": (116.40, 39.90),
    "shanghai": (121.47, 31.23),
    "wuhan": (114.30, 30.59),
    "guangzhou": (113.26, 23.13),
}


def _city_grid() -> tuple[np.ndarray, np.ndarray]:
    """48 WGS-84 points: a 3 x 4 grid 0.3 degrees across around each city centre."""
    dx, dy = np.meshgrid(np.linspace(-0.15, 0.15, 4), np.linspace(-0.15, 0.15, 3))
    lon = np.concatenate([x + dx.ravel() for x, _ in CITY_CENTRES.values()])
    lat = np.concatenate([y + dy.ravel() for _, y in CITY_CENTRES.values()])
    return lon, lat


def _metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# --- parse_crs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "wgs84"), ("", "wgs84"), ("wgs84", "wgs84"), ("WGS84", "wgs84"),
        ("EPSG:4326", "wgs84"), ("epsg:4326", "wgs84"), ("4326", "wgs84"),
        ("cgcs2000", "cgcs2000"), ("EPSG:4490", "cgcs2000"), ("4490", "cgcs2000"),
        ("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("bd09", "bd09"), ("BD-09", "bd09"),
    ],
)
def test_parse_crs_accepts_names_and_aliases(value, expected):
    assert parse_crs(value) == expected


@pytest.mark.parametrize("value", ["foo", "EPSG:3857", "3857", "gcj 02", "wgs"])
def test_parse_crs_rejects_unknown_names(value):
    with pytest.raises(InvalidInput) as info:
        parse_crs(value)
    assert info.value.param == "crs"
    assert value in info.value.message
    assert all(name in info.value.message for name in CRS_NAMES)


@pytest.mark.parametrize("convert", [to_wgs84, from_wgs84])
def test_conversions_reject_unknown_crs(convert):
    with pytest.raises(InvalidInput, match="allowed values"):
        convert(*TIANANMEN, "foo")


# --- GCJ-02 / BD-09 ----------------------------------------------------------


def test_tiananmen_gcj02_shift_is_hundreds_of_metres_north_east():
    lon, lat = from_wgs84(*TIANANMEN, "gcj02")
    assert 300 < _metres(*TIANANMEN, lon, lat) < 700
    assert lon > TIANANMEN[0] and lat > TIANANMEN[1]


# Published in googollee/eviltransform python/test.py; prcoords reproduces them exactly.
@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [
        ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
        ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
        ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ],
    ids=["shanghai", "shenzhen", "beijing"],
)
def test_published_gcj02_pairs(wgs, gcj):
    assert from_wgs84(*wgs, "gcj02") == pytest.approx(gcj, abs=1e-9)
    assert _metres(*to_wgs84(*gcj, "gcj02"), *wgs) < 0.1


@pytest.mark.parametrize("crs", SHIFTED)
def test_round_trip_from_wgs84_within_a_decimetre(crs):
    lon, lat = _city_grid()
    back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    assert np.max(_metres(lon, lat, *back)) < 0.1


@pytest.mark.parametrize("crs", SHIFTED)
def test_round_trip_to_wgs84_within_a_decimetre(crs):
    lon, lat = _city_grid()  # read as coordinates in `crs` this time
    back = from_wgs84(*to_wgs84(lon, lat, crs), crs)
    assert np.max(_metres(lon, lat, *back)) < 0.1


@pytest.mark.parametrize("crs", CRS_NAMES)
@pytest.mark.parametrize("convert", [to_wgs84, from_wgs84])
def test_arrays_give_the_same_answers_as_scalars(convert, crs):
    lon, lat = _city_grid()
    xs, ys = convert(lon, lat, crs)
    one_by_one = [convert(float(x), float(y), crs) for x, y in zip(lon, lat, strict=True)]
    np.testing.assert_array_equal(np.column_stack([xs, ys]), np.array(one_by_one))


@pytest.mark.parametrize("crs", CRS_NAMES)
def test_return_kind_follows_input(crs):
    x, y = to_wgs84(np.float64(116.4), 39.9, crs)
    assert type(x) is float and type(y) is float

    lon, lat = _city_grid()
    grid = lon.reshape(4, 12), lat.reshape(4, 12)
    xs, ys = to_wgs84(*grid, crs)
    assert xs.shape == ys.shape == (4, 12) and xs.dtype == np.float64
    assert xs is not grid[0]  # never aliases the caller's array


@pytest.mark.parametrize("crs", ["wgs84", "cgcs2000"])
@pytest.mark.parametrize("convert", [to_wgs84, from_wgs84])
def test_wgs84_and_cgcs2000_are_identity(convert, crs):
    lon, lat = _city_grid()
    np.testing.assert_array_equal(convert(lon, lat, crs), (lon, lat))
    assert convert(*TIANANMEN, crs) == TIANANMEN


@pytest.mark.parametrize("crs", SHIFTED)
@pytest.mark.parametrize("convert", [to_wgs84, from_wgs84])
def test_points_outside_china_are_unchanged_and_silent(convert, crs):
    paris, tokyo, new_york = (2.35, 48.85), (139.69, 35.69), (-74.0, 40.7)
    lon = np.array([paris[0], tokyo[0], new_york[0], TIANANMEN[0]])
    lat = np.array([paris[1], tokyo[1], new_york[1], TIANANMEN[1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs, ys = convert(lon, lat, crs)
        assert convert(*paris, crs) == paris
    np.testing.assert_array_equal(xs[:3], lon[:3])
    np.testing.assert_array_equal(ys[:3], lat[:3])
    assert _metres(xs[3], ys[3], *TIANANMEN) > 300  # the Chinese one still moves


def test_nan_passes_through():
    xs, ys = to_wgs84(np.array([np.nan, 116.4]), np.array([39.9, np.nan]), "gcj02")
    assert np.isnan(xs[0]) and np.isnan(ys[1])


# --- geometries --------------------------------------------------------------

_SQUARE = [(116.38, 39.90), (116.40, 39.90), (116.40, 39.92), (116.38, 39.92)]
_HOLE = [(116.385, 39.905), (116.395, 39.905), (116.395, 39.915)]
GEOMETRIES = {
    "point": Point(TIANANMEN),
    "point_z": Point(*TIANANMEN, 44.0),
    "line": LineString(_SQUARE),
    "polygon_with_hole": Polygon(_SQUARE, [_HOLE]),
    "multipolygon": MultiPolygon([Polygon(_SQUARE), Polygon([(121.4, 31.2), (121.5, 31.2),
                                                             (121.5, 31.3)])]),
    "collection": GeometryCollection([Point(TIANANMEN), LineString(_SQUARE)]),
    "empty": Polygon(),
}


@pytest.mark.parametrize("crs", SHIFTED)
@pytest.mark.parametrize("name", GEOMETRIES)
def test_geometry_to_wgs84_converts_every_vertex(name, crs):
    geom = GEOMETRIES[name]
    out = geometry_to_wgs84(geom, crs)
    assert out.geom_type == geom.geom_type and out.has_z == geom.has_z
    xy = shapely.get_coordinates(geom)
    expected = np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs))
    np.testing.assert_array_equal(shapely.get_coordinates(out), expected)
    if geom.has_z:
        assert out.z == geom.z
    # 1e-6 degrees is about 0.1 m.
    assert shapely.equals_exact(geometry_from_wgs84(out, crs), geom, tolerance=1e-6)


def test_geometry_to_wgs84_takes_arrays_and_none():
    geoms = np.array([GEOMETRIES["point"], None, GEOMETRIES["line"]], dtype=object)
    out = geometry_to_wgs84(geoms, "gcj02")
    assert out[1] is None
    assert out[0].equals_exact(geometry_to_wgs84(geoms[0], "gcj02"), 0)


@pytest.mark.parametrize("crs", ["wgs84", "cgcs2000"])
def test_geometry_in_wgs84_equivalent_is_returned_as_is(crs):
    geom = GEOMETRIES["polygon_with_hole"]
    assert geometry_to_wgs84(geom, crs) is geom


# --- reprojection of files ---------------------------------------------------

# EPSG:4547 is CGCS2000 / 3-degree Gauss-Kruger CM 114E, so the test shapes sit in Wuhan.
_WUHAN = [(114.25, 30.55), (114.35, 30.55), (114.35, 30.65), (114.25, 30.65)]
FILE_GEOMETRIES = [
    Point(114.30, 30.59),
    Polygon(_WUHAN, [[(114.28, 30.58), (114.32, 30.58), (114.30, 30.62)]]),
    MultiPolygon([Polygon(_WUHAN)]),
    None,
    Polygon(),
]


@pytest.mark.parametrize("source", ["EPSG:3857", "EPSG:4547"])
def test_reproject_geometries_back_to_4326(source):
    forward = Transformer.from_crs(4326, source, always_xy=True)
    projected = shapely.transform(np.array(FILE_GEOMETRIES, dtype=object),
                                  lambda xy: np.column_stack(forward.transform(*xy.T)))
    assert shapely.get_coordinates(projected)[0, 0] > 1e5  # really in metres

    out = reproject_geometries(projected, source)

    assert isinstance(out, np.ndarray) and len(out) == len(FILE_GEOMETRIES)
    assert out[3] is None and out[4].is_empty
    for got, original in zip(out[:3], FILE_GEOMETRIES[:3], strict=True):
        assert shapely.equals_exact(got, original, tolerance=1e-7)


@pytest.mark.parametrize("source", ["EPSG:4490", 4490, "EPSG:4326"])
def test_reproject_geometries_from_geographic_wgs84_equivalents_is_identity(source):
    out = reproject_geometries(FILE_GEOMETRIES, source)
    assert all(
        a is b or shapely.equals_exact(a, b, tolerance=0)
        for a, b in zip(out, FILE_GEOMETRIES, strict=True)
    )


@pytest.mark.parametrize(
    ("geoms", "source", "message"),
    [
        ([Point(0, 0)], "foo", "unknown coordinate reference system"),
        ([Point(0, 0)], None, "unknown coordinate reference system"),
        ([Point(1e9, 1e9)], "EPSG:4547", "cannot be reprojected"),
    ],
    ids=["unknown", "missing", "out_of_zone"],
)
def test_reproject_geometries_bad_input(geoms, source, message):
    with pytest.raises(InvalidInput, match=message) as info:
        reproject_geometries(geoms, source)
    assert info.value.param == "crs"
