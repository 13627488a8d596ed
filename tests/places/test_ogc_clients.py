"""Real OGC API – Features clients against a live server: the ogctests conformance suite
(Part 1 Core), GDAL's OAPIF driver (ogrinfo, ogr2ogr), OWSLib, and the HTML pages in
Chromium. ``make test`` installs them (scripts/ensure-gdal.sh, scripts/ensure-ogctests.sh,
requirements-dev.txt)."""

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.geometries import COMMUNITY_1, GRID_A, xy

pytestmark = pytest.mark.town("incidents")

OGCTESTS_PYTHON = Path(os.environ.get("GRIDMAP_OGCTESTS_PYTHON",
                                      ROOT / "var" / "ogctests-venv" / "bin" / "python"))
SHOTS = Path(os.environ.get("GRIDMAP_SHOTS", "/tmp"))


@pytest.fixture
def ogc(live_server, town):
    return f"{live_server}/ogc"


def test_ogctests_core_conformance_suite_passes_completely(ogc, tmp_path):
    if not OGCTESTS_PYTHON.exists():
        pytest.fail(f"no ogctests at {OGCTESTS_PYTHON}: run scripts/ensure-ogctests.sh "
                    "(make test does)")
    report = tmp_path / "ogctests.xml"
    code = ("import sys; from ogctests.main import run_ogctests; "
            "sys.exit(run_ogctests('features/core', sys.argv[1], "
            "flags=['-q', '-p', 'no:cacheprovider', '--junit-xml=' + sys.argv[2]]))")
    run = subprocess.run([str(OGCTESTS_PYTHON), "-c", code, ogc, str(report)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    suite = ET.parse(report).getroot().find("testsuite")
    counts = {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    assert run.returncode == 0, run.stdout[-4000:]
    # every abstract test of Part 1 Core ran and passed: none failed, none skipped
    assert counts == {"tests": 29, "failures": 0, "errors": 0, "skipped": 0}, counts


def ogr(*args: str) -> str:
    tool = shutil.which(args[0])
    if tool is None:
        pytest.fail(f"{args[0]} is missing: run scripts/ensure-gdal.sh (make test does)")
    run = subprocess.run([tool, *args[1:]], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "GDAL_HTTP_TIMEOUT": "30"})
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize(("collection", "count"), [("communities", 2), ("grids", 4),
                                                   ("buildings", 3)])
def test_gdal_reads_every_collection_page_by_page(ogc, tmp_path, collection, count):
    listing = ogr("ogrinfo", "-ro", "-q", f"OAPIF:{ogc}")
    assert collection in listing and "incidents" not in listing
    out = tmp_path / f"{collection}.geojson"
    # pages of 2 features, so a collection of 3 or 4 takes the next links
    ogr("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{ogc}", collection,
        "-oo", "PAGE_SIZE=2")
    written = json.loads(out.read_text())
    assert len(written["features"]) == count
    assert len({json.dumps(f["properties"], sort_keys=True)
                for f in written["features"]}) == count  # no page read twice


def test_gdal_bbox_filter_is_sent_to_the_server(ogc):
    (x0, y0), (x1, y1) = xy(0.2, 0.2), xy(1.0, 1.0)
    summary = ogr("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{ogc}", "grids",
                  "-spat", str(x0), str(y0), str(x1), str(y1))
    assert "Feature Count: 1" in summary
    one = ogr("ogrinfo", "-ro", "-al", f"OAPIF:{ogc}", "grids", "-spat",
              str(x0), str(y0), str(x1), str(y1))
    assert GRID_A in one


def test_owslib_features_client(ogc):
    from owslib.ogcapi.features import Features

    api = Features(ogc)
    assert set(api.feature_collections()) == {"communities", "grids", "buildings"}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        api.conformance()["conformsTo"]
    assert "/collections/grids/items" in api.api()["paths"]
    first = api.collection_items("grids", limit=3)
    assert first["numberMatched"] == 4 and len(first["features"]) == 3
    second = api.collection_items("grids", limit=3, offset=3)
    assert len(second["features"]) == 1
    box = [*xy(4.2, 0.2), *xy(4.8, 0.8)]
    found = api.collection_items("buildings", bbox=box)
    assert [f["id"] for f in found["features"]] == ["1101010010020010001"]
    community = api.collection_item("communities", COMMUNITY_1)
    assert community["properties"]["name"] == "景山社区"


def test_items_page_in_the_browser(page, ogc, town):
    page.goto(f"{ogc}/collections/grids/items?f=html&limit=3")
    page.wait_for_selector("#ogc-map[data-drawn='3']")
    assert page.locator("table.ogc-items tbody tr").count() == 3
    assert "共 4 个" in page.locator("#ogc-count").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "ogc-items.png"), full_page=True)
    page.click("a.ogc-next")
    page.wait_for_selector("#ogc-map[data-drawn='1']")
    assert page.locator("table.ogc-items tbody tr").count() == 1
    page.click("table.ogc-items tbody tr a")
    page.wait_for_selector("#ogc-map[data-drawn='1']")
    assert "第一网格" in page.locator("table.ogc-item").inner_text()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
