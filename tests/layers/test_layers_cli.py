"""``flask layers import|export`` against the real PostGIS: all or nothing, clear errors.

The named geometries (COMMUNITY split into grids WEST and EAST, buildings B1 and B2) and
the file builders come from test_layers.py.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
import shapely
from sqlalchemy import text

from geo.layers import files as layers
from geo.layers.store import load as layerstore
from tests.layers.test_layers import (
    B1,
    B1_SHAPE,
    BOWTIE,
    COMMUNITY,
    EAST,
    EAST_SHAPE,
    WEST,
    WEST_SHAPE,
    building_rows,
    community_rows,
    grid_rows,
    ring,
    square,
    write_geojson,
    write_gpkg,
    write_shapezip,
)
from tests.support.towns import serve

TABLES = ("communities", "grids", "buildings", "layer_imports")


def invoke(runner, *args):
    return runner.invoke(args=["layers", *map(str, args)])


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def counts(conn) -> dict[str, int]:
    return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def load_town(runner, tmp_path, grids=True):
    ok(invoke(runner, "import", "communities",
              write_geojson(tmp_path / "communities.geojson", community_rows())))
    if grids:
        ok(invoke(runner, "import", "grids",
                  write_gpkg(tmp_path / "grids.gpkg", {"grids": grid_rows()})))


def geometry_of(conn, table, code):
    current = " AND valid_to IS NULL" if table == "grids" else ""
    wkb = conn.execute(text(f"SELECT ST_AsBinary(geom) FROM {table} WHERE code = :c{current}"),
                       {"c": code}).scalar_one()
    return shapely.from_wkb(bytes(wkb))


# --- happy paths -------------------------------------------------------------------------

def test_import_all_three_kinds_from_three_formats(runner, conn, tmp_path):
    load_town(runner, tmp_path)
    zipped = write_shapezip(tmp_path / "buildings.zip", building_rows())
    result = ok(invoke(runner, "import", "buildings", zipped))
    assert "buildings: 2 rows loaded from buildings.zip (2 new" in result.output
    assert counts(conn) == {"communities": 1, "grids": 2, "buildings": 2, "layer_imports": 3}
    placed = conn.execute(text("""
        SELECT b.code, g.code AS grid, c.code AS community, b.households, b.residents
        FROM buildings b JOIN grids g ON g.id = b.grid_id
        JOIN communities c ON c.id = b.community_id ORDER BY b.code""")).all()
    assert [tuple(r) for r in placed] == [(B1, WEST, COMMUNITY, 40, 100),
                                          (building_rows()[1]["code"], EAST, COMMUNITY, 30, 80)]
    community = conn.execute(text("SELECT * FROM communities")).one()
    assert (community.name, community.street_code, community.households) == (
        "景山社区", COMMUNITY[:9], 800)
    record = conn.execute(text("SELECT * FROM layer_imports WHERE kind = 'buildings'")).one()
    assert record.sha256 == layers.file_sha256(zipped) and record.source.endswith(".zip")
    assert (record.rows_loaded, record.rows_rejected, record.rows_repaired) == (2, 0, 0)
    assert json.loads(record.options)["skip_invalid"] is False


def test_clockwise_rings_import(runner, conn, tmp_path):
    load_town(runner, tmp_path, grids=False)
    rows = [{**grid_rows()[0], "geometry": square(0, 0, 1, 2, cw=True)}]
    ok(invoke(runner, "import", "grids", write_geojson(tmp_path / "cw.geojson", rows)))
    assert geometry_of(conn, "grids", WEST).symmetric_difference(WEST_SHAPE).area < 1e-15


def test_progress_goes_to_stderr(runner, tmp_path):
    path = write_geojson(tmp_path / "communities.geojson", community_rows())
    result = ok(invoke(runner, "import", "communities", path))
    assert "checking communities.geojson" in result.stderr
    assert "checking" not in result.stdout


def test_field_options_map_columns(runner, conn, tmp_path):
    rows = [{"SQBM": COMMUNITY, "SQMC": "景山社区", "HS": 9, "JDMC": "景山街道",
             "geometry": square(0, 0, 2, 2)}]
    ok(invoke(runner, "import", "communities", write_geojson(tmp_path / "c.geojson", rows),
              "--code-field", "SQBM", "--name-field", "SQMC", "--households-field", "HS",
              "--field", "street_name=JDMC"))
    row = conn.execute(text("SELECT code, name, households, street_name FROM communities")).one()
    assert tuple(row) == (COMMUNITY, "景山社区", 9, "景山街道")


def test_gbk_shapefile_imports_with_encoding(runner, conn, tmp_path):
    load_town(runner, tmp_path, grids=False)
    path = write_shapezip(tmp_path / "gbk.zip", grid_rows(), encoding="GBK", omit=("cpg",))
    result = invoke(runner, "import", "grids", path)
    assert result.exit_code == 1 and "--encoding gbk" in result.output
    ok(invoke(runner, "import", "grids", path, "--encoding", "gbk"))
    names = conn.execute(text("SELECT name FROM grids ORDER BY code")).scalars().all()
    assert names == ["第一网格", "第二网格"]


# --- all or nothing, reports -------------------------------------------------------------

def _grids_with_bowtie(tmp_path):
    rows = [*grid_rows(), {"code": COMMUNITY + "003", "name": "坏网格",
                           "geometry": ring([(x + 2, y) for x, y in BOWTIE])}]
    return write_geojson(tmp_path / "grids.geojson", rows)


def test_one_bad_row_aborts_the_whole_import(runner, conn, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_town(runner, tmp_path, grids=False)
    result = invoke(runner, "import", "grids", _grids_with_bowtie(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "1 of 3 rows were rejected; nothing was imported" in result.output
    assert f"row 3 ({COMMUNITY}003): invalid geometry: Self-intersection" in result.output
    assert "grids-import-report.csv" in result.output
    assert counts(conn) == {"communities": 1, "grids": 0, "buildings": 0, "layer_imports": 1}
    report = (tmp_path / "grids-import-report.csv").read_text(encoding="utf-8-sig")
    assert report.splitlines()[1].startswith(f"3,{COMMUNITY}003,rejected,invalid geometry")


def test_skip_invalid_lands_the_valid_rows_and_reports_the_rest(runner, conn, tmp_path):
    load_town(runner, tmp_path, grids=False)
    report = tmp_path / "out" / "report.csv"
    report.parent.mkdir()
    result = ok(invoke(runner, "import", "grids", _grids_with_bowtie(tmp_path),
                       "--skip-invalid", "--report", report))
    assert f"1 rejected, 0 repaired: see {report}" in result.output
    assert counts(conn)["grids"] == 2
    assert report.read_text(encoding="utf-8-sig").count("\n") == 2
    record = conn.execute(text("SELECT * FROM layer_imports WHERE kind = 'grids'")).one()
    assert (record.rows_loaded, record.rows_rejected) == (2, 1)


def test_make_valid_repairs_and_reports(runner, conn, tmp_path):
    load_town(runner, tmp_path, grids=False)
    report = tmp_path / "r.csv"
    # the bowtie lies east of the community: allowed here, this is about the repair
    result = ok(invoke(runner, "import", "grids", _grids_with_bowtie(tmp_path),
                       "--make-valid", "--report", report, "--allow-outside"))
    assert "0 rejected, 1 repaired" in result.output
    assert ",repaired,invalid geometry: Self-intersection" in report.read_text("utf-8-sig")
    valid = conn.execute(text("SELECT bool_and(ST_IsValid(geom)), count(*) FROM grids")).one()
    assert tuple(valid) == (True, 3)


def test_unknown_parent_is_rejected(runner, conn, tmp_path):
    load_town(runner, tmp_path, grids=False)
    rows = [*grid_rows(), {"code": "110101001999001", "name": "无主", "geometry": EAST_SHAPE}]
    result = invoke(runner, "import", "grids", write_geojson(tmp_path / "g.geojson", rows),
                    "--report", tmp_path / "r.csv")
    assert result.exit_code == 1
    assert "unknown parent code 110101001999: no community has it" in result.output
    assert counts(conn)["grids"] == 0


@pytest.mark.commits
def test_postgis_is_the_authority_on_validity(app, conn):
    """A row shapely let through but PostGIS finds invalid is reported, not a CHECK error."""
    from app.extensions import db

    conn.execute(text("INSERT INTO communities (code, name, geom) VALUES "
                      "(:c, 'x', ST_Multi(ST_GeomFromText(:w, 4326)))"),
                 {"c": COMMUNITY, "w": square(0, 0, 2, 2).wkt})
    bowtie = shapely.MultiPolygon([ring(BOWTIE)])
    rows = {"row": [1], "code": [WEST], "name": ["x"], "parent": [COMMUNITY],
            "households": [None], "geom": [shapely.to_wkb(shapely.set_srid(bowtie, 4326),
                                                          hex=True, include_srid=True)]}
    prepared = layers.PreparedLayer("grids", 1, rows, frozenset({"name", "parent"}), [])
    args = {"source": "t", "sha256": "0" * 64, "options": {}}
    with pytest.raises(layers.RowsRejected) as err, db.engine.begin() as tx:
        layerstore.import_layer(tx, prepared, **args)
    assert "invalid in PostGIS: Self-intersection" in err.value.issues[0].reason
    with db.engine.begin() as tx:
        result = layerstore.import_layer(tx, prepared, make_valid=True, **args)
    assert (result.loaded, result.repaired) == (1, 1)


# --- upserts and grid versions ----------------------------------------------------------

def test_same_file_twice_changes_nothing(runner, conn, tmp_path):
    load_town(runner, tmp_path)
    result = ok(invoke(runner, "import", "grids", tmp_path / "grids.gpkg"))
    assert "(0 new, 0 redrawn, 0 updated, 2 unchanged)" in result.output
    assert "the same file was imported before" in result.output
    assert counts(conn)["grids"] == 2


def test_communities_and_buildings_upsert_by_code(runner, conn, tmp_path):
    load_town(runner, tmp_path)
    ok(invoke(runner, "import", "buildings",
              write_geojson(tmp_path / "b.geojson", building_rows())))
    before = conn.execute(text("SELECT id FROM buildings WHERE code = :c"), {"c": B1}).scalar()
    moved = [{**building_rows()[0], "name": "一号楼", "geometry": square(0.3, 0.9, 0.6, 1.1)}]
    result = ok(invoke(runner, "import", "buildings",
                       write_geojson(tmp_path / "b2.geojson", moved)))
    assert "(0 new, 0 redrawn, 1 updated, 0 unchanged)" in result.output
    row = conn.execute(text("SELECT id, name FROM buildings WHERE code = :c"), {"c": B1}).one()
    assert tuple(row) == (before, "一号楼") and counts(conn)["buildings"] == 2
    assert geometry_of(conn, "buildings", B1).area > B1_SHAPE.area


def test_redrawn_grid_gets_a_new_version_and_keeps_its_people(runner, conn, tmp_path):
    load_town(runner, tmp_path)
    ids = dict(conn.execute(text("SELECT code, id FROM grids")).all())
    conn.execute(text("UPDATE grids SET valid_from = '2020-01-01'"))
    member = conn.execute(text("INSERT INTO grid_members (name, role, active) "
                               "VALUES ('王芳', 'full_time', true) RETURNING id")).scalar()
    serve(conn, member, ids[EAST])
    rows = grid_rows()
    rows[0]["name"] = "西网格"                    # attribute only: in place
    rows[1]["geometry"] = square(1, 0, 2, 1.5)   # boundary moved: new version
    result = ok(invoke(runner, "import", "grids", write_geojson(tmp_path / "g.geojson", rows)))
    assert "(0 new, 1 redrawn, 1 updated, 0 unchanged)" in result.output
    versions = conn.execute(text(
        "SELECT id, code, name, valid_from, valid_to FROM grids ORDER BY id")).all()
    today = conn.execute(text("SELECT CURRENT_DATE")).scalar()
    assert [(v.code, v.name, v.valid_to) for v in versions] == [
        (WEST, "西网格", None), (EAST, "第二网格", today), (EAST, "第二网格", None)]
    assert versions[2].valid_from == today and versions[0].id == ids[WEST]
    new_east = versions[2].id
    assert conn.execute(text("SELECT grid_id FROM worker_grids WHERE worker_id = :m"),
                        {"m": member}).scalar() == new_east
    export = tmp_path / "then.geojson"
    ok(invoke(runner, "export", "grids", export, "--at", "2021-06-01"))
    shapes = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
              for f in json.loads(export.read_text())["features"]}
    assert shapes[EAST].symmetric_difference(EAST_SHAPE).area < 1e-12


# --- bad input: a clear error and nothing written ----------------------------------------

def _zip_of(entries):
    def build(path):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries.items():
                zf.writestr(name, data)
        return path
    return build


def _raw(content: bytes):
    def build(path):
        path.write_bytes(content)
        return path
    return build


def _geojson(rows, **kw):
    return lambda path: write_geojson(path, rows, **kw)


def _one_grid(**change):
    return _geojson([grid_rows()[0], {**grid_rows()[1], **change}])


CUBE = shapely.Polygon([(116.391, 39.9, 5.0), (116.392, 39.9, 5.0), (116.392, 39.902, 5.0)])

BAD_INPUT = [
    ("html-as-zip", "grids.zip", _raw(b"<html>"), (),
     "grids.zip is not a zipped Shapefile file"),
    ("text-as-gpkg", "grids.gpkg", _raw(b"hello"), (),
     "not a GeoPackage file"),
    ("binary-as-geojson", "grids.geojson", _raw(b"\x00\x01"), (),
     "not a GeoJSON file"),
    ("missing-shx", "grids.zip", lambda p: write_shapezip(p, grid_rows(), omit=("shx",)), (),
     "missing its .shx"),
    ("missing-dbf", "grids.zip", lambda p: write_shapezip(p, grid_rows(), omit=("dbf",)), (),
     "missing its .dbf"),
    ("no-prj", "grids.zip", lambda p: write_shapezip(p, grid_rows(), omit=("prj",)), (),
     "no .prj"),
    ("zip-slip", "grids.zip", _zip_of({"../../evil.shp": b"x"}), (), "outside the archive"),
    ("absolute-path", "grids.zip", _zip_of({"/tmp/evil.shp": b"x"}), (), "absolute path"),
    ("too-many-entries", "grids.zip", _zip_of({f"{i}.txt": b"" for i in range(60)}), (),
     "60 entries"),
    ("zip-bomb", "grids.zip", _zip_of({"grids.shp": b"\0" * (3 << 20)}), (),
     "possible zip bomb"),
    ("two-layers", "city.gpkg",
     lambda p: write_gpkg(p, {"grids": grid_rows(), "buildings": building_rows()}), (),
     "2 layers (grids, buildings); choose one with --layer"),
    ("crs-member", "grids.geojson", _geojson(grid_rows(), crs_name="EPSG:3857"), (),
     "declares crs 'EPSG:3857'"),
    ("unknown-crs", "grids.geojson", _geojson(grid_rows()), ("--crs", "nowhere"),
     "unknown --crs 'nowhere'"),
    ("no-features", "grids.geojson", _geojson([]), (), "has no features"),
    ("no-such-field", "grids.geojson", _geojson(grid_rows()), ("--name-field", "MC"),
     "no field 'MC' for the name"),
    ("self-intersecting", "grids.geojson",
     _one_grid(geometry=ring([(x + 1, y) for x, y in BOWTIE])), (), "Self-intersection"),
    ("empty-geometry", "grids.geojson", _one_grid(geometry=None), (), "empty or missing"),
    ("3d", "grids.geojson", _one_grid(geometry=CUBE), (), "3D coordinates"),
    ("out-of-range", "grids.geojson", _one_grid(geometry=shapely.box(181, 0, 182, 1)), (),
     "out of range after reprojection"),
    ("not-a-polygon", "grids.geojson",
     _one_grid(geometry=shapely.LineString([(116.39, 39.9), (116.4, 39.91)])), (),
     "geometry type LineString is not allowed"),
    ("missing-code", "grids.geojson", _one_grid(code=None), (), "missing code"),
    ("duplicate-code", "grids.geojson", _one_grid(code=WEST), (), "duplicate code (rows 1, 2)"),
    ("code-pattern", "grids.geojson", _one_grid(code="110101"), (), "grids pattern (15 digits"),
    ("unknown-parent", "grids.geojson", _one_grid(parent="110101001777"), (),
     "unknown parent code 110101001777"),
]


@pytest.mark.parametrize(("label", "name", "build", "args", "message"), BAD_INPUT,
                         ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_a_clear_error_and_writes_nothing(runner, conn, tmp_path, monkeypatch,
                                                       label, name, build, args, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(layers, "MAX_UNZIPPED_BYTES", 2 << 20)
    load_town(runner, tmp_path, grids=False)
    before = counts(conn)
    result = invoke(runner, "import", "grids", build(tmp_path / name), *args)
    assert result.exit_code == 1, result.output
    assert "Error: " in result.output and message in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert counts(conn) == before


def test_database_failure_is_a_clear_error(runner, tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def lost(*args, **kwargs):
        raise OperationalError("COPY", {}, Exception("server closed the connection"))

    monkeypatch.setattr(layerstore, "import_layer", lost)
    result = invoke(runner, "import", "communities",
                    write_geojson(tmp_path / "c.geojson", community_rows()))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "nothing was written: server closed the connection" in result.output


def test_report_folder_must_be_writable(runner, tmp_path):
    path = write_geojson(tmp_path / "c.geojson", community_rows())
    result = invoke(runner, "import", "communities", path, "--report", tmp_path / "no" / "r.csv")
    assert result.exit_code == 2 and "cannot write to" in result.output


def test_at_is_only_for_grids_and_communities(runner, tmp_path):
    result = invoke(runner, "export", "buildings", tmp_path / "b.geojson", "--at",
                    "2024-01-01")
    assert result.exit_code == 2 and "only grids and communities have versions" in result.output


def test_export_to_an_unknown_format_or_folder_is_a_clear_error(runner, tmp_path):
    result = invoke(runner, "export", "grids", tmp_path / "grids.kml")
    assert result.exit_code == 1 and "must end in .geojson or .gpkg" in result.output
    result = invoke(runner, "export", "grids", tmp_path / "no" / "such" / "grids.geojson")
    assert result.exit_code == 1 and "cannot write" in result.output


# --- export and round trip ---------------------------------------------------------------

def test_geojson_export_is_rfc7946_and_round_trips(runner, app, conn, tmp_path):
    load_town(runner, tmp_path)
    ok(invoke(runner, "import", "buildings",
              write_geojson(tmp_path / "b.geojson", building_rows())))
    exported = {}
    for kind in ("communities", "grids", "buildings"):
        path = tmp_path / f"out-{kind}.geojson"
        ok(invoke(runner, "export", kind, path))
        doc = json.loads(path.read_text())
        assert "crs" not in doc
        for feature in doc["features"]:
            for polygon in feature["geometry"]["coordinates"]:
                assert shapely.LinearRing(polygon[0]).is_ccw
        exported[kind] = path
    grid = json.loads(exported["grids"].read_text())["features"][0]["properties"]
    assert grid == {"code": WEST, "name": "第一网格", "parent": COMMUNITY,
                    "households": 400, "valid_from": str(dt.date.today()), "valid_to": None}
    building = json.loads(exported["buildings"].read_text())["features"][0]["properties"]
    assert building["parent"] == WEST and building["residents"] == 100
    before = {c: geometry_of(conn, "grids", c) for c in (WEST, EAST)}
    conn.execute(text("TRUNCATE communities, grids, buildings, layer_imports CASCADE"))
    for kind in ("communities", "grids", "buildings"):
        ok(invoke(runner, "import", kind, exported[kind]))
    assert counts(conn) == {"communities": 1, "grids": 2, "buildings": 2, "layer_imports": 3}
    for code, shape in before.items():
        assert geometry_of(conn, "grids", code).symmetric_difference(shape).area < 1e-14


def test_geopackage_export_keeps_each_kind_as_a_layer(runner, conn, tmp_path):
    load_town(runner, tmp_path)
    path = tmp_path / "city.gpkg"
    ok(invoke(runner, "export", "communities", path))
    ok(invoke(runner, "export", "grids", path))
    ok(invoke(runner, "export", "grids", path))  # re-export replaces the layer
    assert len(layers.read_layer(path, layer="grids")) == 2
    conn.execute(text("TRUNCATE communities, grids CASCADE"))
    ok(invoke(runner, "import", "communities", path, "--layer", "communities"))
    result = ok(invoke(runner, "import", "grids", path, "--layer", "grids"))
    assert "2 new" in result.output
    assert geometry_of(conn, "grids", EAST).symmetric_difference(EAST_SHAPE).area < 1e-14


# --- real files --------------------------------------------------------------------------

def test_beijing_subdistricts_import_and_export(runner, conn, tmp_path, shared_data):
    source = (shared_data / "beijing_subdistricts__thebamboogrove_bj-subdistricts"
              / "dongcheng-all.geojson")
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    result = ok(invoke(runner, "import", "communities", source, "--name-field", "Name"))
    assert f"{len(features)} rows loaded" in result.output
    rows = conn.execute(text("SELECT code, name, ST_IsValid(geom) AS valid FROM communities"
                             " ORDER BY code")).all()
    assert {r.code for r in rows} == {str(f["properties"]["code"]) for f in features}
    assert all(r.valid for r in rows) and "东华门街道" in {r.name for r in rows}
    out = tmp_path / "dongcheng.geojson"
    ok(invoke(runner, "export", "communities", out))
    doc = json.loads(out.read_text())
    assert "crs" not in doc and len(doc["features"]) == len(features)
    for feature in doc["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            assert shapely.LinearRing(polygon[0]).is_ccw
