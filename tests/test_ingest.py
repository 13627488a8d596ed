"""geo.ingest: a CSV of incidents located on the way in, by the same rule as geo.assign."""

import pytest
from sqlalchemy import text

from geo.errors import InvalidFile, InvalidInput
from geo.ingest import ingest_csv
from tests.geometries import build_town, xy

HEADER = "external_id,category,description,source,priority,reported_at,lon,lat\n"


def row(ext, x, y, description="井盖破损", source="hotline", priority="2",
        reported="2026-11-20T08:30:00+08:00"):
    lon, lat = xy(x, y)
    quoted = description.replace('"', '""')
    return f'{ext},设施损坏,"{quoted}",{source},{priority},{reported},{lon},{lat}\n'


@pytest.fixture
def town(conn):
    return build_town(conn)


def located(conn):
    return dict(conn.execute(text(
        "SELECT i.external_id, l.state || ':' || coalesce(g.code, '-') FROM incidents i"
        " JOIN incident_locations l ON l.incident_id = i.id"
        " LEFT JOIN grids g ON g.id = l.grid_id")).all())


def test_rows_are_located_by_the_rule_and_stored_once(tmp_path, conn, town):
    path = tmp_path / "hotline.csv"
    path.write_text(HEADER + row("T1", 1, 1) + row("T2", 2, 1) + row("T3", 6.2, 1)
                    + row("T4", 7.5, 1) + row("T5", 20, 1)
                    + row("T6", 3, 1.5, description='说 "漏水", 第二行\n第三行'), encoding="utf-8")
    result = ingest_csv(conn, path)
    assert result.loaded == 6 and result.rejected == []
    assert result.located == {"covered": 3, "snapped": 1, "out_of_area": 2}
    assert located(conn) == {
        "T1": "covered:110101001001001", "T2": "covered:110101001001001",  # vertex → lowest
        "T3": "snapped:110101001002001", "T4": "out_of_area:-", "T5": "out_of_area:-",
        "T6": "covered:110101001001003"}
    desc = conn.execute(text("SELECT description FROM incidents WHERE external_id = 'T6'"))
    assert desc.scalar() == '说 "漏水", 第二行\n第三行'
    events = conn.execute(text("SELECT count(*) FROM incident_events WHERE action = 'report'"))
    assert events.scalar() == 6
    # Loading the same file again creates nothing new.
    again = ingest_csv(conn, path)
    assert again.loaded == 0 and again.duplicates == 6
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 6


def test_a_bad_row_aborts_the_whole_file_unless_skipped(tmp_path, conn, town):
    path = tmp_path / "hotline.csv"
    path.write_text(HEADER + row("T1", 1, 1) + row("T2", 1, 1, source="fax")
                    + "T3,环境卫生,x,hotline,2,,abc,39.9\n"
                    + f"T4,环境卫生,x,hotline,2,,{xy(1, 1)[1]},{xy(1, 1)[0]}\n"
                    + row("T1", 1, 1.2), encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        ingest_csv(conn, path)
    assert "4 invalid row(s)" in str(err.value)
    assert {d["row"] for d in err.value.details} == {2, 3, 4, 5}
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
    result = ingest_csv(conn, path, skip_invalid=True)
    assert result.loaded == 1
    reasons = dict(result.rejected)
    assert "source" in reasons[2] and "lon" in reasons[3]
    assert "swapped" in reasons[4] and "repeated" in reasons[5]


def test_gbk_files_and_gcj02_points(tmp_path, conn, town):
    from geo.crs import from_wgs84

    lon, lat = from_wgs84(*xy(1, 1), "gcj02")
    path = tmp_path / "gbk.csv"
    path.write_bytes(f"category,lon,lat\n噪音扰民,{lon!r},{lat!r}\n".encode("gbk"))
    with pytest.raises(InvalidFile):
        ingest_csv(conn, path)  # not UTF-8
    result = ingest_csv(conn, path, encoding="gbk", crs="gcj02")
    assert result.located["covered"] == 1


def test_missing_columns_are_named(tmp_path, conn, town):
    path = tmp_path / "x.csv"
    path.write_text("category,longitude,latitude\n环境卫生,116.4,39.9\n")
    with pytest.raises(InvalidFile, match="lat, lon"):
        ingest_csv(conn, path)
