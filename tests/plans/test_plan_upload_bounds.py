"""A plan upload is bounded before it is read (issue 18, "likely" list): a zip unpacks to at
most ``PLAN_UPLOAD_MAX_UNZIPPED_BYTES``, features are counted before any is read, and only
the GeoJSON, GPKG and ESRI Shapefile drivers of GDAL may open the file."""

import io
import json
import zipfile

import pyogrio.raw
import pytest

from geo.core.errors import InvalidFile
from geo.layers.archive import MAX_UNZIPPED_BYTES
from geo.plans import parse
from tests.support.geometries import COMMUNITY_1, GRID_A, xy
from tests.support.plans import box, collection, feature


def upload(client, planner, data: bytes, filename: str):
    form = {"community": COMMUNITY_1, "name": "上传方案",
            "file": (io.BytesIO(data), filename)}
    return client.post("/api/v1/plans", data=form, headers=planner,
                       content_type="multipart/form-data")


def shapezip(tmp_path, padding: int) -> bytes:
    """A one-grid shapefile zipped, with a .dbf-sized extra entry of ``padding`` zero bytes."""
    gdf = pytest.importorskip("geopandas")
    from shapely.geometry import shape
    frame = gdf.GeoDataFrame({"code": [GRID_A], "name": ["甲"]},
                             geometry=[shape(box(0, 0, 1, 1))], crs=4326)
    frame.to_file(tmp_path / "plan.shp")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(tmp_path.glob("plan.*")):
            zf.write(part, part.name)
        zf.writestr("padding.txt", b"\0" * padding)
    return out.getvalue()


def test_the_plan_unzip_limit_is_a_setting_far_below_the_layer_imports(app):
    assert app.config["PLAN_UPLOAD_MAX_UNZIPPED_BYTES"] <= 64 << 20 < MAX_UNZIPPED_BYTES
    assert parse.Limits().max_unzipped <= 64 << 20


def test_a_zip_unpacking_past_the_setting_is_refused(client, planner, app, tmp_path,
                                                     monkeypatch):
    data = shapezip(tmp_path, padding=300_000)
    assert len(data) < 20_000  # zeros compress: small on the wire, large on disk
    monkeypatch.setitem(app.config, "PLAN_UPLOAD_MAX_UNZIPPED_BYTES", 200_000)
    response = upload(client, planner, data, "plan.zip")
    assert response.status_code == 400, response.get_json()
    monkeypatch.setitem(app.config, "PLAN_UPLOAD_MAX_UNZIPPED_BYTES", 1_000_000)
    assert upload(client, planner, data, "plan.zip").status_code == 201


def test_features_are_counted_before_they_are_read(monkeypatch):
    doc = collection(*(feature(f"{COMMUNITY_1}{n:03d}", "甲", box(n, 0, n + 1, 1))
                       for n in range(1, 6)))
    def no_read(*args, **kwargs):
        raise AssertionError("every feature read before the count was checked")

    monkeypatch.setattr(pyogrio.raw, "read", no_read)
    with pytest.raises(InvalidFile, match="5 features"):
        parse.file_rows(json.dumps(doc).encode(), "plan.geojson",
                        limits=parse.Limits(max_grids=4))


def test_a_file_gdal_reads_with_another_driver_is_refused(client, planner):
    lon0, lat0 = xy(0, 0)
    lon1, lat1 = xy(1, 1)
    esri = {"geometryType": "esriGeometryPolygon", "spatialReference": {"wkid": 4326},
            "fields": [{"name": "code", "type": "esriFieldTypeString"}],
            "features": [{"attributes": {"code": GRID_A},
                          "geometry": {"rings": [[[lon0, lat0], [lon0, lat1], [lon1, lat1],
                                                  [lon1, lat0], [lon0, lat0]]]}}]}
    response = upload(client, planner, json.dumps(esri).encode(), "plan.geojson")
    assert response.status_code == 400, response.get_json()
    assert "ESRIJSON" in json.dumps(response.get_json())
