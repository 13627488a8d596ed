"""Layer downloads: GeoPackage, GeoJSON and CSV of communities, grids (by date) and
buildings, and the building → grid assignment CSV."""

import csv
import io
import json
import re
import shutil
import subprocess

import pyogrio
import pyogrio.raw
import pytest
import shapely
from sqlalchemy import text

from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_D, xy

pytestmark = pytest.mark.town("redrawn")


def rows(response) -> list[dict]:
    raw = response.data.decode("utf-8")
    assert raw.startswith("\ufeff")  # Excel reads the Chinese text as UTF-8
    return list(csv.DictReader(io.StringIO(raw[1:])))


def test_grids_geojson_now_and_on_a_past_day(client, town):
    response = client.get("/api/v1/grids.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert 'filename="grids.geojson"' in response.headers["Content-Disposition"]
    now = json.loads(response.data)
    assert [f["properties"]["code"] for f in now["features"]] == [GRID_A, GRID_B,
                                                                  GRID_B[:-1] + "3", GRID_D]
    assert "crs" not in now  # RFC 7946
    past = json.loads(client.get("/api/v1/grids.geojson?at=2023-06-01").data)
    old_b = next(f for f in past["features"] if f["properties"]["code"] == GRID_B)
    assert old_b["properties"]["name"] == "旧第二网格"
    assert shapely.geometry.shape(old_b["geometry"]).area == pytest.approx(4e-6)


def test_grids_geopackage_and_csv(client, town, tmp_path):
    response = client.get("/api/v1/grids.gpkg?at=2023-06-01")
    assert response.mimetype == "application/geopackage+sqlite3"
    assert 'filename="grids-2023-06-01.gpkg"' in response.headers["Content-Disposition"]
    path = tmp_path / "grids.gpkg"
    path.write_bytes(response.data)
    info = pyogrio.read_info(path)
    assert info["features"] == 4 and info["crs"] == "EPSG:4326"
    table = rows(client.get("/api/v1/grids.csv"))
    assert table[0]["code"] == GRID_A and table[0]["parent"] == COMMUNITY_1
    first = shapely.from_wkt(table[0]["wkt"])
    assert first.bounds == pytest.approx((*xy(0, 0), *xy(2, 2)))


def test_communities_public_buildings_for_staff(client, town, make_user, make_token):
    communities = rows(client.get("/api/v1/communities.csv"))
    assert [c["code"] for c in communities] == [COMMUNITY_1, COMMUNITY_1[:-1] + "2"]
    assert client.get("/api/v1/buildings.csv").status_code == 401
    assert client.get("/api/v1/buildings/assignment.csv").status_code == 401
    make_user("viewer1", "viewer")
    key = bearer(make_token("viewer1"))
    buildings = rows(client.get("/api/v1/buildings.csv", headers=key))
    assert [b["households"] for b in buildings] == ["40", "40", "40"]
    assignment = rows(client.get("/api/v1/buildings/assignment.csv", headers=key))
    assert assignment[0] == {"building_code": "1101010010010010001", "building_name": "1号楼",
                             "address": "景山东街12号院1号楼", "grid_code": GRID_A,
                             "grid_name": "第一网格", "community_code": COMMUNITY_1,
                             "community_name": "景山社区", "households": "40",
                             "residents": "100"}
    assert assignment[2]["grid_code"] == GRID_D


def test_buildings_in_no_grid_have_empty_grid_columns(client, town, conn, make_user,
                                                      make_token):
    conn.execute(text("UPDATE buildings SET grid_id = NULL WHERE id = :b"), {"b": town["bD"]})
    make_user("viewer1", "viewer")
    assignment = rows(client.get("/api/v1/buildings/assignment.csv",
                                 headers=bearer(make_token("viewer1"))))
    assert assignment[2]["grid_code"] == "" and assignment[2]["community_code"]


@pytest.mark.parametrize(("url", "status"), [
    ("/api/v1/grids.shp", 404), ("/api/v1/grids.csv?at=yesterday", 400),
    ("/api/v1/communities.csv?at=2024-13-01", 400), ("/api/v1/grids.geojson?x=1", 400),
])
def test_bad_downloads(client, town, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_csv_content_type_names_its_charset_once(client, town, make_user, make_token):
    make_user("viewer1", "viewer")
    key = bearer(make_token("viewer1"))
    for url in ("/api/v1/grids.csv", "/api/v1/communities.csv", "/api/v1/buildings.csv",
                "/api/v1/buildings/assignment.csv"):
        assert client.get(url, headers=key).headers["Content-Type"] == (
            "text/csv; charset=utf-8"), url


def test_geopackage_opens_in_debians_gdal_without_a_warning(client, town, tmp_path):
    """Debian 12's GDAL 3.6 (QGIS 3.22's) reads the download as it is: GeoPackage 1.2, no
    warning, dates as Date fields (as in the GeoJSON), counts as integers."""
    path = tmp_path / "grids.gpkg"
    path.write_bytes(client.get("/api/v1/grids.gpkg?at=2023-06-01").data)
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "no ogrinfo: run scripts/ensure-gdal.sh (Debian's gdal-bin)"
    assert "GDAL 3." in subprocess.run([ogrinfo, "--version"], capture_output=True,
                                       text=True, check=True).stdout
    done = subprocess.run([ogrinfo, "-ro", "-al", "-so", str(path)], capture_output=True,
                          text=True, check=True, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    assert "Warning" not in done.stderr + done.stdout and "ERROR" not in done.stderr
    fields = dict(re.findall(r"^(\w+): (\w+) \(", done.stdout, flags=re.M))
    assert fields == {"code": "String", "name": "String", "parent": "String",
                      "households": "Integer64", "valid_from": "Date", "valid_to": "Date"}
    assert "Feature Count: 4" in done.stdout
    version = subprocess.run([ogrinfo, "-ro", str(path), "-sql", "PRAGMA user_version"],
                             capture_output=True, text=True, check=True)
    assert "user_version (Integer) = 10200" in version.stdout
    # the same dates as the GeoJSON download's
    *_, values = pyogrio.raw.read(path, columns=["code", "valid_from"])
    gpkg = {c: str(d) for c, d in zip(*values, strict=True)}
    geojson = json.loads(client.get("/api/v1/grids.geojson?at=2023-06-01").data)
    assert gpkg == {f["properties"]["code"]: f["properties"]["valid_from"]
                    for f in geojson["features"]}
