"""``flask layers import overlays``: a file of responsibility overlays, all rows or none,
every row checked by the API's rule."""

import json

import pytest
from sqlalchemy import text

from tests.boundaries.test_overlays import polygon
from tests.layers.test_layers_cli import invoke, ok
from tests.support.geometries import GRID_D, xy

pytestmark = pytest.mark.town("incidents")


def write(path, rows):
    features = [{"type": "Feature", "geometry": geometry, "properties": props}
                for geometry, props in rows]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def road():
    (a, b), (c, d) = xy(0.2, 0.5), xy(3.8, 0.5)
    return {"type": "LineString", "coordinates": [[a, b], [c, d]]}


def test_a_file_of_overlays_is_imported(runner, conn, town, tmp_path):
    conn.execute(text("INSERT INTO departments (name, kind) VALUES ('区市政市容委', 'department')"))
    path = write(tmp_path / "overlays.geojson", [
        (polygon(0.5, 0.5, 1.5, 1.5), {"name": "阳光花园", "kind": "compound",
                                       "unit": "company", "company_name": "阳光物业",
                                       "company_phone": "010-65550000",
                                       "categories": "设施损坏、环境卫生",
                                       "valid_from": "2026-01-01"}),
        (road(), {"name": "景山东街", "kind": "road", "unit": "department",
                  "department": "区市政市容委", "categories": "市政设施", "buffer_m": 15}),
        (polygon(6.2, 0.2, 7.8, 1.8), {"name": "黄图岗市场", "kind": "market", "unit": "grid",
                                       "grid": GRID_D, "categories": "占道经营"}),
    ])
    result = ok(invoke(runner, "import", "overlays", path))
    assert "overlays: 3 rows loaded" in result.output
    rows = conn.execute(text("SELECT name, unit, categories, buffer_m, department_id IS NOT NULL,"
                             " GeometryType(geom) FROM overlays ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("阳光花园", "company", ["环境卫生", "设施损坏"], None, False, "MULTIPOLYGON"),
        ("景山东街", "department", ["市政设施"], 15.0, True, "MULTILINESTRING"),
        ("黄图岗市场", "grid", ["占道经营"], None, False, "MULTIPOLYGON")]
    audit = conn.execute(text("SELECT after->>'inserted' FROM audit_log"
                              " WHERE action = 'layers.import' AND entity = 'overlays'")).all()
    assert audit == [("3",)]


def test_a_bad_row_rejects_the_file_and_names_the_row(runner, conn, town, tmp_path):
    path = write(tmp_path / "bad.geojson", [
        (polygon(0.5, 0.5, 1.5, 1.5), {"name": "阳光花园", "kind": "compound",
                                       "unit": "company", "company_name": "阳光物业",
                                       "categories": "设施损坏"}),
        (road(), {"name": "景山东街", "kind": "road", "unit": "department",
                  "department": "没有这个部门", "categories": "市政设施", "buffer_m": 15}),
        (road(), {"name": "无缓冲", "kind": "road", "unit": "company", "company_name": "某公司",
                  "categories": "市政设施"}),
    ])
    report = tmp_path / "report.csv"
    result = invoke(runner, "import", "overlays", path, "--report", report)
    assert result.exit_code != 0
    assert "2 of 3 rows were rejected; nothing was imported" in result.output
    assert "row 2 (景山东街): no department named 没有这个部门" in result.output
    assert "row 3 (无缓冲)" in result.output and "buffer_m" in result.output
    assert conn.execute(text("SELECT count(*) FROM overlays")).scalar() == 0
    assert "no department named" in report.read_text(encoding="utf-8-sig")
