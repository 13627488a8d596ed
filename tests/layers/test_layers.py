"""geo.layers.files: reading, checking and writing layer files (no CLI).

Tiny named geometries in units of 0.001 degree near Tiananmen (x east, y north):

    y=2 +-------+-------+
        | WEST  | EAST  |     community COMMUNITY (2 x 2), split into grids WEST and EAST;
        |  [b1] |  [b2] |     buildings B1 and B2 are 0.2-unit squares inside them.
    y=0 +-------+-------+
       x=0     x=1     x=2

Fixture files are built here at test time (never committed).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import mapping

from geo.core.errors import InvalidFile, InvalidInput
from geo.layers import files as layers

LON0, LAT0, UNIT = 116.39, 39.90, 0.001
COMMUNITY = "110101001001"
WEST, EAST = COMMUNITY + "001", COMMUNITY + "002"
B1, B2 = WEST + "0001", EAST + "0001"
SERVICE_AREA = (73.0, 3.0, 136.0, 54.0)
BOWTIE = [(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]


def xy(x: float, y: float) -> tuple[float, float]:
    return LON0 + x * UNIT, LAT0 + y * UNIT


def square(x0: float, y0: float, x1: float, y1: float, *, cw: bool = False) -> shapely.Polygon:
    ring = [xy(x0, y0), xy(x1, y0), xy(x1, y1), xy(x0, y1), xy(x0, y0)]
    return shapely.Polygon(ring[::-1] if cw else ring)


def ring(points) -> shapely.Polygon:
    return shapely.Polygon([xy(x, y) for x, y in points])


COMMUNITY_SHAPE = square(0, 0, 2, 2)
WEST_SHAPE, EAST_SHAPE = square(0, 0, 1, 2), square(1, 0, 2, 2)
B1_SHAPE, B2_SHAPE = square(0.4, 0.9, 0.6, 1.1), square(1.4, 0.9, 1.6, 1.1)


def community_rows(**extra):
    return [{"code": COMMUNITY, "name": "景山社区", "households": 800,
             "geometry": COMMUNITY_SHAPE, **extra}]


def grid_rows():
    return [{"code": WEST, "name": "第一网格", "households": 400, "geometry": WEST_SHAPE},
            {"code": EAST, "name": "第二网格", "households": 400, "geometry": EAST_SHAPE}]


def building_rows():
    return [{"code": B1, "name": "1号楼", "households": 40, "residents": 100,
             "geometry": B1_SHAPE},
            {"code": B2, "name": "2号楼", "households": 30, "residents": 80,
             "geometry": B2_SHAPE}]


def write_geojson(path: Path, rows, *, crs_name: str | None = None, prefix: str = "") -> Path:
    """Written by hand so that ring order, ``crs`` members and odd geometries survive."""
    features = []
    for row in rows:
        geom = row["geometry"]
        geometry = geom if isinstance(geom, dict) or geom is None else mapping(geom)
        properties = {k: v for k, v in row.items() if k != "geometry"}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    doc = {"type": "FeatureCollection"}
    if crs_name:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    doc["features"] = features
    path.write_text(prefix + json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def frame(rows, crs=4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def write_gpkg(path: Path, layers_rows: dict, crs=4326) -> Path:
    for name, rows in layers_rows.items():
        frame(rows, crs).to_file(path, layer=name, driver="GPKG")
    return path


def write_shapezip(path: Path, rows, *, omit=(), encoding=None, crs=4326,
                   stem: str = "layer") -> Path:
    folder = path.parent / f"{path.stem}-parts"
    folder.mkdir()
    frame(rows, crs).to_file(folder / f"{stem}.shp", encoding=encoding)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(folder.iterdir()):
            if part.suffix.lstrip(".") not in omit:
                zf.write(part, part.name)
    return path


def prepare(raw, kind="grids", **kw):
    return layers.prepare(raw, kind, bounds=SERVICE_AREA, **kw)


def read_prepare(path, kind="grids", read=None, **kw):
    return prepare(layers.read_layer(path, **(read or {})), kind, **kw)


def reasons(prepared) -> dict[int, tuple[str, str]]:
    return {i.row: (i.status, i.reason) for i in prepared.issues}


# --- files that are not what their names say ---------------------------------------------

@pytest.mark.parametrize(("name", "content", "message"), [
    ("grids.zip", b"<!DOCTYPE html><html>login</html>", "not a zipped Shapefile"),
    ("grids.gpkg", b"PK\x03\x04 not sqlite", "not a GeoPackage"),
    ("grids.geojson", b"\x89PNG\r\n\x1a\n", "not a GeoJSON"),
    ("grids.geojson", b"", "not a GeoJSON"),
    ("grids.shp", b"\x00\x00\x27\x0a", "unsupported file type '.shp'"),
    ("grids.csv", b"code,name\n", "unsupported file type"),
])
def test_content_must_match_the_extension(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidFile, match=message):
        layers.read_layer(path)


def test_geojson_may_start_with_bom_and_whitespace(tmp_path):
    path = write_geojson(tmp_path / "g.geojson", grid_rows(), prefix="\ufeff \n\t")
    assert len(layers.read_layer(path)) == 2


def test_damaged_geopackage_is_an_invalid_file(tmp_path):
    path = tmp_path / "bad.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 80)
    with pytest.raises(InvalidFile, match="bad.gpkg"):
        layers.read_layer(path)


# --- zips are checked before GDAL sees them ----------------------------------------------

def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _symlink_zip(path: Path) -> Path:
    info = zipfile.ZipInfo("layer.shp")
    info.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(("build", "message"), [
    (lambda p: _zip(p, {"../../app/evil.shp": b"x"}), "points outside the archive"),
    (lambda p: _zip(p, {"/etc/cron.d/x.shp": b"x"}), "absolute path"),
    (lambda p: _zip(p, {"C:/Windows/x.shp": b"x"}), "absolute path"),
    (lambda p: _zip(p, {f"f{i}.txt": b"" for i in range(51)}), "51 entries"),
    (lambda p: _zip(p, {"layer.shp": b"\0" * (2 << 20)}), "possible zip bomb"),
    (_symlink_zip, "symbolic link"),
    (lambda p: _zip(p, {"readme.txt": b"hi"}), "holds no .shp"),
])
def test_unsafe_zips_are_refused_before_gdal(tmp_path, monkeypatch, build, message):
    monkeypatch.setattr(layers, "MAX_UNZIPPED_BYTES", 1 << 20)
    monkeypatch.setattr(layers, "_read", lambda *a, **k: pytest.fail("GDAL was reached"))
    with pytest.raises(InvalidFile, match=message):
        layers.read_layer(build(tmp_path / "grids.zip"), crs="EPSG:4326")
    assert not (tmp_path / "app").exists()


def test_corrupt_zip_entry_is_an_invalid_file(tmp_path):
    path = write_shapezip(tmp_path / "grids.zip", grid_rows() * 50)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("layer.shp")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + 10
    data[start:start + 40] = bytes(40)
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidFile, match="cannot unpack 'layer.shp'"):
        layers.read_layer(path)


@pytest.mark.parametrize(("omit", "missing"), [
    (("shx",), ".shx"), (("dbf",), ".dbf"), (("shx", "dbf"), ".shx and .dbf")])
def test_shapefile_zip_missing_a_part_names_it(tmp_path, omit, missing):
    path = write_shapezip(tmp_path / "grids.zip", grid_rows(), omit=omit)
    with pytest.raises(InvalidFile, match=f"missing its {missing}"):
        layers.read_layer(path)


def test_shapefile_zip_without_prj_needs_crs(tmp_path):
    path = write_shapezip(tmp_path / "grids.zip", grid_rows(), omit=("prj",))
    with pytest.raises(InvalidFile, match="no .prj.*--crs"):
        layers.read_layer(path)
    assert len(layers.read_layer(path, crs="EPSG:4326")) == 2


def test_zip_with_two_shapefiles_needs_layer(tmp_path):
    path = write_shapezip(tmp_path / "two.zip", grid_rows(), stem="west")
    with zipfile.ZipFile(path, "a") as zf:
        for part in (tmp_path / "two-parts").iterdir():
            zf.write(part, "east" + part.suffix)
    with pytest.raises(InvalidFile, match="2 shapefiles.*--layer"):
        layers.read_layer(path)
    assert len(layers.read_layer(path, layer="east")) == 2


def test_gbk_dbf_without_cpg_asks_for_encoding(tmp_path):
    rows = [{**grid_rows()[0], "name": "东城网格一"}]
    path = write_shapezip(tmp_path / "gbk.zip", rows, encoding="GBK", omit=("cpg",))
    with pytest.raises(InvalidFile, match="looks like GBK.*--encoding gbk"):
        layers.read_layer(path)
    raw = layers.read_layer(path, encoding="gbk")
    assert raw.fields["name"].tolist() == ["东城网格一"]


def test_shapefile_in_a_projected_crs_is_reprojected(tmp_path):
    rows = frame(grid_rows()).to_crs(4547).to_dict("records")  # CGCS2000 3-degree GK CM 117E
    prepared = read_prepare(write_shapezip(tmp_path / "gk.zip", rows, crs=4547))
    got = shapely.from_wkb(bytes.fromhex(prepared.rows["geom"][0]))
    assert got.symmetric_difference(WEST_SHAPE).area < 1e-12


# --- GeoPackage layers -------------------------------------------------------------------

def test_geopackage_with_several_layers_needs_layer(tmp_path):
    path = write_gpkg(tmp_path / "city.gpkg", {"grids": grid_rows(),
                                               "buildings": building_rows()})
    with pytest.raises(InvalidFile, match=r"2 layers \(grids, buildings\).*--layer"):
        layers.read_layer(path)
    with pytest.raises(InvalidFile, match="no layer 'roads'; its layers: grids, buildings"):
        layers.read_layer(path, layer="roads")
    assert len(layers.read_layer(path, layer="buildings")) == 2


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_geopackage_without_srs_needs_crs(tmp_path):
    path = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame(grid_rows(), geometry="geometry").to_file(path)
    with pytest.raises(InvalidFile, match="no coordinate system; give it with --crs"):
        layers.read_layer(path)


# --- GeoJSON crs members -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326",
                                  "urn:ogc:def:crs:EPSG::4326"])
def test_geojson_crs_member_naming_wgs84_is_accepted(tmp_path, name):
    path = write_geojson(tmp_path / "g.geojson", grid_rows(), crs_name=name)
    assert len(prepare(layers.read_layer(path))) == 2


@pytest.mark.parametrize("name", ["EPSG:3857", "EPSG:4490", "urn:x-made-up:crs"])
def test_geojson_crs_member_naming_another_crs_needs_crs(tmp_path, name):
    path = write_geojson(tmp_path / "g.geojson", grid_rows(), crs_name=name)
    with pytest.raises(InvalidFile, match=f"declares crs '{name}'.*--crs"):
        layers.read_layer(path)


def test_geojson_in_web_mercator_imports_once_confirmed(tmp_path):
    rows = frame(grid_rows()).to_crs(3857).to_dict("records")
    path = write_geojson(tmp_path / "g.geojson", rows, crs_name="EPSG:3857")
    prepared = prepare(layers.read_layer(path, crs="EPSG:3857"))
    got = shapely.from_wkb(bytes.fromhex(prepared.rows["geom"][1]))
    assert got.symmetric_difference(EAST_SHAPE).area < 1e-12


def test_gcj02_coordinates_are_shifted_to_wgs84(tmp_path):
    path = write_geojson(tmp_path / "g.geojson", grid_rows())
    plain = prepare(layers.read_layer(path))
    shifted = prepare(layers.read_layer(path, crs="gcj02"))
    a, b = (shapely.from_wkb(bytes.fromhex(p.rows["geom"][0])) for p in (plain, shifted))
    dx, dy = (a.centroid.x - b.centroid.x) * 85_000, (a.centroid.y - b.centroid.y) * 111_000
    assert 300 < (dx * dx + dy * dy) ** 0.5 < 800  # metres: GCJ-02 is a few hundred off


def test_unknown_crs_option_is_invalid_input():
    with pytest.raises(InvalidInput, match="unknown --crs 'EPSG:99999999'"):
        layers.normalise_crs("EPSG:99999999")


# --- rows: geometry ----------------------------------------------------------------------

def test_clockwise_rings_are_accepted(tmp_path):
    rows = [{**grid_rows()[0], "geometry": square(0, 0, 1, 2, cw=True)}]
    prepared = read_prepare(write_geojson(tmp_path / "cw.geojson", rows))
    assert prepared.issues == [] and len(prepared) == 1


def _one_bad_row(tmp_path, geometry, **kw):
    rows = [grid_rows()[0], {"code": EAST, "name": "第二网格", "geometry": geometry}]
    return read_prepare(write_geojson(tmp_path / "bad.geojson", rows), **kw)


BAD_GEOMETRIES = [
    ("self-intersecting", ring(BOWTIE), "invalid geometry: Self-intersection"),
    ("empty", {"type": "Polygon", "coordinates": []}, "empty or missing geometry"),
    ("missing", None, "empty or missing geometry"),
    ("3D", shapely.Polygon([(*xy(*p), 5.0) for p in [(1, 0), (2, 0), (2, 2), (1, 0)]]),
     "3D coordinates"),
    ("point", shapely.Point(xy(1, 1)), "geometry type Point is not allowed"),
    ("line", shapely.LineString([xy(1, 0), xy(2, 2)]), "geometry type LineString"),
    ("lon out of range", shapely.box(200, 39, 201, 40), "out of range after reprojection"),
    ("lat/lon swapped", shapely.box(39.90, 116.39, 39.91, 116.40), "swapped axes"),
]


@pytest.mark.parametrize(("label", "geometry", "reason"), BAD_GEOMETRIES,
                         ids=[b[0] for b in BAD_GEOMETRIES])
def test_bad_geometry_rejects_its_row_only(tmp_path, label, geometry, reason):
    prepared = _one_bad_row(tmp_path, geometry)
    assert prepared.rows["code"] == [WEST]
    status, why = reasons(prepared)[2]
    assert status == "rejected" and reason in why


def test_make_valid_repairs_a_bowtie_into_polygons(tmp_path):
    prepared = _one_bad_row(tmp_path, ring(BOWTIE), make_valid=True)
    assert prepared.rows["code"] == [WEST, EAST]
    status, why = reasons(prepared)[2]
    assert status == "repaired" and "Self-intersection" in why
    fixed = shapely.from_wkb(bytes.fromhex(prepared.rows["geom"][1]))
    assert fixed.geom_type == "MultiPolygon" and fixed.is_valid
    assert fixed.area == pytest.approx(0.5 * UNIT * UNIT)


def test_make_valid_of_a_flat_polygon_leaves_nothing(tmp_path):
    flat = ring([(1, 0), (2, 0), (1.5, 0), (1, 0)])
    prepared = _one_bad_row(tmp_path, flat, make_valid=True)
    assert "repair left no area" in reasons(prepared)[2][1]


def test_force_2d_drops_z(tmp_path):
    cube = shapely.Polygon([(*xy(*p), 5.0) for p in [(1, 0), (2, 0), (2, 2), (1, 0)]])
    prepared = _one_bad_row(tmp_path, cube, force_2d=True)
    assert prepared.issues == []
    assert not shapely.has_z(shapely.from_wkb(bytes.fromhex(prepared.rows["geom"][1])))


def test_polygons_become_multipolygons_with_srid(tmp_path):
    prepared = read_prepare(write_geojson(tmp_path / "g.geojson", grid_rows()))
    geom = shapely.from_wkb(bytes.fromhex(prepared.rows["geom"][0]))
    assert geom.geom_type == "MultiPolygon" and shapely.get_srid(geom) == 4326


# --- rows: attributes --------------------------------------------------------------------

BAD_ATTRIBUTES = [
    ({"code": None}, "missing code"),
    ({"code": "11010100100100"}, "does not match the grids pattern (15 digits"),
    ({"code": "11010100100100x"}, "does not match"),
    ({"name": ""}, "missing name"),
    ({"name": "x" * 201}, "name is longer than 200"),
    ({"households": -3}, "households -3 is not a whole number"),
    ({"households": "many"}, "households 'many' is not a whole number"),
    ({"households": 2**31}, "households 2147483648 is not a whole number from 0"),
    ({"code": 110101001001001.5}, "does not match the grids pattern"),
    ({"parent": "1101"}, "parent code '1101' is not a code of 12 digits"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_ATTRIBUTES)
def test_bad_attribute_rejects_its_row_only(tmp_path, change, reason):
    rows = grid_rows()
    rows[1].update(change)
    prepared = read_prepare(write_geojson(tmp_path / "g.geojson", rows))
    assert prepared.rows["code"] == [WEST]
    assert reason in reasons(prepared)[2][1]


def test_every_row_of_a_duplicate_code_is_rejected(tmp_path):
    rows = [*grid_rows(), {**grid_rows()[0], "name": "again"}]
    prepared = read_prepare(write_geojson(tmp_path / "g.geojson", rows))
    assert prepared.rows["code"] == [EAST]
    assert {r: why for r, (_, why) in reasons(prepared).items()} == {
        1: "duplicate code (rows 1, 3)", 3: "duplicate code (rows 1, 3)"}


def test_numeric_codes_that_lost_digits_are_rejected(tmp_path):
    rows = [{**building_rows()[0], "code": float(B1)}]
    raw = layers.read_layer(write_geojson(tmp_path / "b.geojson", rows))
    (issue,) = prepare(raw, "buildings").issues
    assert "stored as a floating-point number and has lost digits" in issue.reason


def test_all_reasons_of_a_row_are_reported_together(tmp_path):
    rows = [{"code": "12", "name": None, "geometry": ring(BOWTIE)}]
    (issue,) = read_prepare(write_geojson(tmp_path / "g.geojson", rows)).issues
    assert issue.row == 1 and issue.code == "12"
    assert all(part in issue.reason for part in ("pattern", "missing name", "Self-inter"))


def test_parent_defaults_to_the_code_prefix(tmp_path):
    prepared = read_prepare(write_geojson(tmp_path / "g.geojson", grid_rows()))
    assert prepared.rows["parent"] == [COMMUNITY, COMMUNITY]
    buildings = read_prepare(write_geojson(tmp_path / "b.geojson", building_rows()),
                             "buildings")
    assert buildings.rows["parent"] == [COMMUNITY, COMMUNITY]
    assert buildings.rows["residents"] == [100, 80]


def test_field_mapping_and_case_insensitive_names(tmp_path):
    rows = [{"WGBM": int(WEST), "NAME": "第一网格", "HH": 12.0, "geometry": WEST_SHAPE}]
    raw = layers.read_layer(write_geojson(tmp_path / "g.geojson", rows))
    prepared = prepare(raw, fields={"code": "wgbm", "households": "HH"})
    assert prepared.rows["code"] == [WEST]  # a numeric code field becomes text
    assert prepared.rows["name"] == ["第一网格"] and prepared.rows["households"] == [12]
    assert "households" in prepared.present


def test_missing_code_field_lists_the_fields(tmp_path):
    raw = layers.read_layer(write_geojson(tmp_path / "g.geojson",
                                          [{"id": 1, "Name": "x", "geometry": WEST_SHAPE}]))
    with pytest.raises(InvalidFile, match="no field 'code'.*fields: id, Name.*--code-field"):
        prepare(raw)
    with pytest.raises(InvalidInput, match="communities have no field parent"):
        prepare(raw, "communities", fields={"parent": "id"})


def test_community_street_code_defaults_to_code_prefix(tmp_path):
    raw = layers.read_layer(write_geojson(tmp_path / "c.geojson", community_rows()))
    prepared = prepare(raw, "communities")
    assert prepared.rows["street_code"] == [COMMUNITY[:9]]


def test_progress_is_called_per_chunk(tmp_path):
    calls = []
    read_prepare(write_geojson(tmp_path / "g.geojson", grid_rows() * 1), chunk=1,
                 progress=calls.append)
    assert calls == [1, 1]


def test_file_without_features_is_invalid(tmp_path):
    with pytest.raises(InvalidFile, match="has no features"):
        read_prepare(write_geojson(tmp_path / "g.geojson", []))


# --- report and export -------------------------------------------------------------------

def test_report_is_a_csv_with_row_code_status_reason(tmp_path):
    issues = [layers.Issue(3, EAST, "rejected", "missing name"),
              layers.Issue(1, WEST, "repaired", "invalid geometry: Self-intersection")]
    layers.write_report(tmp_path / "r.csv", issues)
    lines = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["row,code,status,reason",
                     f"1,{WEST},repaired,invalid geometry: Self-intersection",
                     f"3,{EAST},rejected,missing name"]


def test_geojson_export_is_rfc7946(tmp_path):
    cw = shapely.MultiPolygon([square(0, 0, 1.123456789, 2, cw=True)])
    path = tmp_path / "out.geojson"
    layers.write_layer(path, "grids", {"code": [WEST], "households": [None]},
                       [shapely.to_wkb(cw)])
    doc = json.loads(path.read_text())
    assert "crs" not in doc
    (feature,) = doc["features"]
    assert feature["properties"] == {"code": WEST, "households": None}
    exterior = feature["geometry"]["coordinates"][0][0]
    assert shapely.LinearRing(exterior).is_ccw
    assert max(len(repr(c).split(".")[1]) for p in exterior for c in p) <= 7


def test_export_needs_a_known_extension(tmp_path):
    with pytest.raises(InvalidInput, match="must end in .geojson or .gpkg"):
        layers.write_layer(tmp_path / "out.kml", "grids", {}, [])
