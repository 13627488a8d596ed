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


def test_a_row_holding_a_nul_character_is_rejected(tmp_path, conn, town):
    path = tmp_path / "nul.csv"
    path.write_text(HEADER + row("T1", 1, 1, description="a\x00b") + row("T2", 1, 1),
                    encoding="utf-8")
    with pytest.raises(InvalidInput, match="row 1: contains a NUL character"):
        ingest_csv(conn, path)
    result = ingest_csv(conn, path, skip_invalid=True)
    assert result.loaded == 1 and result.rejected == [(1, "contains a NUL character")]


def test_a_bulk_load_in_a_transaction_gives_the_same_rows(tmp_path, app, town, monkeypatch):
    """Keys checked once at the end, secondary indexes rebuilt, events written first."""
    from app.extensions import db
    from geo import ingest

    monkeypatch.setattr(ingest, "_REBUILD_ROWS", 1)  # the path a million-row load takes
    path = tmp_path / "hotline.csv"
    path.write_text("category,lon,lat,external_id,address\n"  # another column order
                    + "".join(f"环境卫生,{xy(1, 1)[0]},{xy(1, 1)[1]},X{i},\n" for i in range(3))
                    + f"噪音扰民,{xy(7.5, 1)[0]},{xy(7.5, 1)[1]},,东华门大街1号\n",
                    encoding="utf-8")
    triggers = ("SELECT tgrelid::regclass::text, tgname, tgenabled, pg_get_triggerdef(oid)"
                " FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('incidents'::regclass,"
                " 'incident_events'::regclass, 'incident_locations'::regclass) ORDER BY 1, 2")
    with db.engine.connect() as c, c.begin() as transaction:
        before = c.execute(text(triggers)).all()
        result = ingest_csv(c, path)
        # the statistics triggers stood aside for the COPY and are back as they were
        assert c.execute(text(triggers)).all() == before
        assert {name for _, name, enabled, _ in before if enabled == "A"} >= {
            "stats_incidents_insert", "stats_incident_events_insert",
            "stats_incident_locations_insert"}
        assert result.located == {"covered": 3, "snapped": 0, "out_of_area": 1}
        assert located(c) == {"X0": "covered:110101001001001", "X1": "covered:110101001001001",
                              "X2": "covered:110101001001001", None: "out_of_area:-"}
        rows = c.execute(text(
            "SELECT i.address, e.at = i.reported_at, e.actor, i.status FROM incidents i"
            " JOIN incident_events e ON e.incident_id = i.id ORDER BY i.id")).all()
        assert [tuple(r) for r in rows] == [(None, True, "import", "reported")] * 3 + [
            ("东华门大街1号", True, "import", "reported")]
        indexes = c.execute(text("SELECT indexname FROM pg_indexes WHERE tablename"
                                 " IN ('incidents', 'incident_events', 'incident_locations')"))
        assert {name for (name,) in indexes} >= {
            name for names in ingest._SECONDARY_INDEXES.values() for name in names}
        assert c.execute(text("SHOW session_replication_role")).scalar() == "origin"
        transaction.rollback()


def test_copy_writes_text_categories_timestamps_and_geometry_in_binary(conn):
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pandas as pd
    import shapely

    from geo import copyio

    conn.exec_driver_sql("CREATE TEMP TABLE copied (id bigint, name text, kind varchar(10),"
                         " at timestamptz, geom geometry(Geometry, 4326))")
    frame = pd.DataFrame({
        "id": [1, 2, 3], "name": pd.array(["a\tb\\c", None, "井盖 破损"], dtype="str"),
        "kind": pd.Categorical(["x", None, "yy"]),
        "at": pd.to_datetime(["2026-11-20T08:30:00+08:00"] * 3, utc=True),
        "geom": [shapely.Point(116.4, 39.9), None, shapely.box(116.0, 39.0, 116.5, 39.5)]})
    with ThreadPoolExecutor(max_workers=1) as pool:
        encoded = copyio.encode_frame(conn, "copied", frame, pool, chunk=2)
        assert encoded.binary
        copyio.copy_encoded(conn, encoded)
        # points given as coordinates, written as the geom column
        xy = np.array([[116.4, 39.9], [116.5, 40.0]])
        copyio.copy_encoded(conn, copyio.encode_frame(
            conn, "copied", frame[["id", "name"]].iloc[:2].assign(id=[4, 5]), pool, points=xy))
    rows = conn.execute(text(
        "SELECT id, name, kind, at = '2026-11-20 00:30:00+00', ST_AsText(geom), ST_SRID(geom)"
        " FROM copied ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        (1, "a\tb\\c", "x", True, "POINT(116.4 39.9)", 4326),
        (2, None, None, True, None, None),
        (3, "井盖 破损", "yy", True,
         "POLYGON((116.5 39,116.5 39.5,116 39.5,116 39,116.5 39))", 4326),
        (4, "a\tb\\c", None, None, "POINT(116.4 39.9)", 4326),
        (5, None, None, None, "POINT(116.5 40)", 4326)]
    with pytest.raises(ValueError, match="NUL"):
        copyio.copy_frame(conn, "copied", frame.assign(name=pd.array(["a\x00"] * 3, dtype="str")))
    conn.exec_driver_sql("DROP TABLE copied")


@pytest.mark.parametrize("rebuild_rows", [10**9, 1], ids=["small load", "large load"])
def test_a_bulk_load_queues_its_statistics_as_ranges(tmp_path, app, conn, town, monkeypatch,
                                                     rebuild_rows):
    from app.extensions import db
    from geo import caseload, ingest

    # A large load drops the statistics triggers for its COPY; a small one has them skip.
    monkeypatch.setattr(ingest, "_REBUILD_ROWS", rebuild_rows)

    path = tmp_path / "hotline.csv"
    path.write_text(HEADER + "".join(row(f"R{n}", 1 + n % 3, 1) for n in range(5)),
                    encoding="utf-8")
    with db.engine.begin() as loading:  # a loader works in a transaction of its own
        assert ingest_csv(loading, path).loaded == 5
    # The triggers stood aside for the loader: a range instead of five queued rows.
    assert conn.execute(text("SELECT count(*) FROM stats_dirty")).scalar() == 0
    assert conn.execute(text("SELECT last_id - first_id + 1 FROM stats_ranges")).all() == [(5,)]
    assert caseload.pending(conn) == 5
    assert caseload.refresh(conn, limit=3) == 3  # a batch: the range shrinks
    assert caseload.pending(conn) == 2
    assert caseload.refresh(conn, limit=3) == 2
    assert caseload.pending(conn) == 0
    facts = conn.execute(text(
        "SELECT count(*) FROM incident_facts f JOIN incidents i ON i.id = f.incident_id"
        " JOIN incident_locations l ON l.incident_id = i.id AND l.grid_id = f.grid_id"))
    assert facts.scalar() == 5
    # Later single writes are queued by the triggers again.
    conn.execute(text("UPDATE incidents SET priority = 1 WHERE external_id = 'R0'"))
    assert conn.execute(text("SELECT count(*) FROM stats_dirty")).scalar() == 1
