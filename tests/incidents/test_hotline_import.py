"""Bulk import of hotline exports (geo.incidents.imports): the CLI, the API and the row checks."""

import datetime as dt
import io
import json

import pandas as pd
import pytest
from sqlalchemy import text

from geo.core.crs import from_wgs84
from geo.core.errors import InvalidFile
from geo.incidents import imports
from geo.incidents.imports.checks import EPOCH
from geo.incidents.intake import Category, Rules
from tests.support.auth import bearer, login
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_C, GRID_D, xy

pytestmark = pytest.mark.town("incidents")

COLUMNS = {"external_id": "工单编号", "category": "问题类型", "description": "问题描述",
           "address": "地址", "building": "楼栋编码", "lon": "经度", "lat": "纬度",
           "source": "来源", "priority": "紧急程度", "reported_at": "受理时间",
           "reporter_name": "联系人", "reporter_phone": "联系电话"}
MAP = [arg for field, column in COLUMNS.items() for arg in ("--map", f"{field}={column}")]
GOOD = "--store-good"
AT = "2026-11-20T09:00:00+08:00"
BUILDING_D = "1101010010020010001"


def line(ext="", category="环境卫生", point=None, lon="", lat="", building="", address="",
         at=AT, priority="", source="", description="楼道堆放杂物") -> list[str]:
    if point is not None:
        lon, lat = (repr(v) for v in xy(*point))
    return [ext, category, description, address, building, lon, lat, source, priority, at,
            "王先生", "13800000000"]


def csv_bytes(*rows: list[str], encoding="utf-8", header=None) -> bytes:
    lines = [",".join(header or COLUMNS.values())] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def run_import(runner, path, *options):
    return runner.invoke(args=["incidents", "import", str(path), *MAP, *options])


def stored(conn) -> dict:
    rows = conn.execute(text(
        "SELECT i.external_id, g.code AS grid, l.state, i.assignee_id, i.routed_to,"
        " i.building_id, i.address, i.source, i.priority, i.reported_at, i.due_at,"
        " i.duplicate_of_id, i.boundary_grid_id FROM incidents i"
        " JOIN incident_locations l ON l.incident_id = i.id"
        " LEFT JOIN grids g ON g.id = l.grid_id"))
    return {row.external_id: row for row in rows}


DIRTY = [
    line("T01", point=(1, 1.5)),                                 # 1 grid A
    line("T02", lon="abc", lat="39.9"),                          # 2 not a number
    line("T03", lon=repr(xy(1, 1)[1]), lat=repr(xy(1, 1)[0])),   # 3 swapped
    line("T04", category="乱扔垃圾", point=(1, 1)),               # 4 unknown category
    line("T01", point=(3, 1.5)),                                 # 5 repeated ticket
    line("T06", building=BUILDING_D),                            # 6 building code → D
    line("T07", address="景山东街12号院2号楼"),                     # 7 exact address → A
    line("T08", address="不存在的路99号"),                          # 8 no such address
    line("T09", lon="2.35", lat="48.85"),                        # 9 Paris
    line("T10", address="景山东街12号院"),                          # 10 two buildings
    line("T11", address="黄图岗胡同"),                              # 11 one building has it
    line("T12", point=(3, 0.5), at="2026-11-20 09:00:00"),       # 12 naive: local time
    line("T13", point=(3, 0.5), at="2999-01-01T00:00:00+08:00"),  # 13 future
    line("T14", building="9999999999999999999"),                 # 14 unknown building
]


def test_a_dirty_file_loads_its_valid_rows_and_reports_the_others(runner, conn, town,
                                                                   tmp_path):
    path = tmp_path / "12345导出.csv"
    path.write_bytes(csv_bytes(*DIRTY))
    result = run_import(runner, path, GOOD)
    assert result.exit_code == 0, result.output
    assert "5 imported, 0 already stored, 9 rejected" in result.output
    rows = stored(conn)
    assert set(rows) == {"T01", "T06", "T07", "T11", "T12"}
    assert (rows["T01"].grid, rows["T01"].assignee_id) == (GRID_A, town["A_full"])
    assert (rows["T06"].grid, rows["T06"].building_id) == (GRID_D, town["bD"])
    assert rows["T06"].address == "黄图岗胡同8号"  # the building's, when the row has none
    assert (rows["T07"].grid, rows["T07"].building_id) == (GRID_A, town["bA2"])
    assert rows["T11"].building_id == town["bD"]
    assert rows["T12"].reported_at == dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
    assert rows["T12"].routed_to == "grid_chief"  # grid B has only a chief
    assert {r.source for r in rows.values()} == {"hotline"}
    report = (tmp_path / "12345导出.csv.errors.csv").read_text(encoding="utf-8-sig")
    reasons = {int(r.split(",")[0]): r for r in report.splitlines()[1:]}
    assert report.splitlines()[0].startswith("row,reason,工单编号,问题类型")
    assert set(reasons) == {2, 3, 4, 5, 8, 9, 10, 13, 14}
    assert "'lon' is not a number" in reasons[2] and "swapped" in reasons[3]
    assert "unknown category '乱扔垃圾'" in reasons[4] and ",乱扔垃圾," in reasons[4]
    assert "repeated in the file (first at row 1)" in reasons[5]
    assert "address not found" in reasons[8] and "outside the area" in reasons[9]
    assert "several buildings" in reasons[10] and "future" in reasons[13]
    assert "no building with code 9999999999999999999" in reasons[14]


def test_running_the_same_file_again_creates_nothing(runner, conn, town, tmp_path):
    path = tmp_path / "hotline.csv"
    path.write_bytes(csv_bytes(*DIRTY[:7]))
    assert "3 imported, 0 already stored, 4 rejected" in run_import(runner, path, GOOD).output
    again = run_import(runner, path, GOOD)
    assert again.exit_code == 0
    assert "0 imported, 3 already stored, 4 rejected" in again.output
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 3
    assert conn.execute(text("SELECT count(*) FROM incident_events")).scalar() == 3


def test_imported_rows_are_routed_and_recorded_as_a_single_report(client, runner, conn, town,
                                                                  make_user, make_token,
                                                                  tmp_path):
    make_user("disp", "dispatcher")
    headers = bearer(make_token("disp"))
    single = client.post("/api/v1/incidents", headers=headers, json={
        "category": "环境卫生", "external_id": "POST", "reported_at": AT,
        **dict(zip(("lon", "lat"), xy(1, 0.2), strict=True))}).get_json()
    path = tmp_path / "hotline.csv"
    path.write_bytes(csv_bytes(line("BULK", point=(1.995, 1.5)),
                               line("OFFICE", category="邻里纠纷", point=(5, 1))))
    assert run_import(runner, path).exit_code == 0
    bulk_id = conn.execute(text("SELECT id FROM incidents WHERE external_id = 'BULK'")).scalar()
    bulk = client.get(f"/api/v1/incidents/{bulk_id}", headers=headers).get_json()
    for key in ("status", "assignee_id", "routed_to", "due_at", "response_due_at",
                "location_state", "grid_code", "reported_at"):
        assert bulk[key] == single[key], key
    assert bulk["boundary"]["grid_code"] == GRID_C and bulk["boundary"]["distance_m"] < 20
    (event,) = bulk["history"]
    assert event["action"] == "report" and event["actor"].startswith("cli:")
    assert event["details"] == {"routed_to": "full_time", "assignee_id": town["A_full"],
                                "located": "covered", "boundary_grid_id": town["C"]}
    assert set(single["history"][0]["details"]) == {"routed_to", "assignee_id", "located"}
    office = stored(conn)["OFFICE"]
    assert (office.assignee_id, office.routed_to, office.grid) == (None, "community_office",
                                                                   GRID_D)


def test_possible_duplicates_within_the_file_are_flagged(runner, conn, town, tmp_path):
    path = tmp_path / "hotline.csv"
    path.write_bytes(csv_bytes(line("D1", point=(1, 1)), line("D2", point=(1.0002, 1)),
                               line("D3", category="噪音扰民", point=(1.0002, 1))))
    result = run_import(runner, path)
    assert "1 possible duplicates" in result.output
    rows = stored(conn)
    ids = dict(conn.execute(text("SELECT external_id, id FROM incidents")).all())
    assert rows["D2"].duplicate_of_id == ids["D1"]
    assert rows["D1"].duplicate_of_id is None and rows["D3"].duplicate_of_id is None
    details = conn.execute(text("SELECT e.details FROM incident_events e JOIN incidents i"
                                " ON i.id = e.incident_id WHERE i.external_id = 'D2'"))
    assert details.scalar()["duplicate_of_id"] == ids["D1"]


def test_a_gbk_file_with_other_headers(runner, conn, town, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_bytes(line("G1", point=(1, 1), description="噪音扰民，夜间施工"),
                               encoding="gbk"))
    unreadable = run_import(runner, path)
    assert unreadable.exit_code == 1 and "not a readable utf-8 CSV" in unreadable.output
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
    assert run_import(runner, path, "--encoding", "gbk").exit_code == 0
    assert conn.execute(text("SELECT description FROM incidents")).scalar() == "噪音扰民，夜间施工"


def test_a_utf8_bom_and_unmapped_columns_of_our_names(runner, conn, town, tmp_path):
    lon, lat = xy(1, 1)
    path = tmp_path / "plain.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"category,lon,lat,other\n环境卫生,{lon},{lat},x\n"
                     .encode())
    result = runner.invoke(args=["incidents", "import", str(path)])
    assert result.exit_code == 0 and "1 imported" in result.output


@pytest.mark.parametrize("header, message", [
    ("工单编号,问题描述,经度,纬度", "missing column 'category'"),
    ("工单编号,问题类型,问题描述,经度", "lon and lat together"),
    ("工单编号,问题类型,问题描述", "located by lon and lat, building or address"),
])
def test_a_missing_column_is_a_clear_error(tmp_path, header, message):
    mapping = {k: v for k, v in COLUMNS.items() if v in header.split(",")}
    data = (header + "\n" + ",".join("1" for _ in header.split(",")) + "\n").encode()
    with pytest.raises(InvalidFile, match=message):
        imports.read(data, imports.options("x.csv", mapping=mapping), "x.csv")


def test_a_mapped_column_that_is_absent_is_named(runner, conn, town, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(line("X", point=(1, 1))))
    result = run_import(runner, path, "--map", "description=描述")
    assert result.exit_code == 1 and "no column '描述' (for description)" in result.output


def test_strict_imports_nothing_when_a_row_is_rejected(runner, conn, town, tmp_path):
    path = tmp_path / "hotline.csv"
    path.write_bytes(csv_bytes(*DIRTY[:4]))
    result = run_import(runner, path, "--strict", "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 1 and "3 of 4 rows rejected" in result.output
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
    assert len((tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()) == 4


@pytest.mark.commits
def test_a_failure_while_storing_leaves_nothing_written(app, conn, town):
    from app.extensions import db

    rows = imports.read(csv_bytes(line("F1", point=(1, 1)), line("F2", point=(5, 1))),
                        imports.options("f.csv", mapping=COLUMNS), "f.csv")
    who = imports.Importer("test", Rules.from_config(app.config), user_id=999_999)  # no user
    with pytest.raises(Exception, match="incident_events"):
        with db.engine.begin() as c:
            imports.import_rows(c, rows, who)
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
    assert conn.execute(text("SELECT count(*) FROM incident_locations")).scalar() == 0


def geojson(features, crs=None) -> bytes:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": geometry, "properties": props}
        for geometry, props in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc, ensure_ascii=False).encode()


def test_a_geojson_file_with_its_crs(runner, conn, town, tmp_path):
    lon, lat = from_wgs84(*xy(1, 1.5), "gcj02")
    path = tmp_path / "hotline.geojson"
    path.write_bytes(geojson([
        ({"type": "Point", "coordinates": [lon, lat]},
         {"工单编号": "J1", "问题类型": "环境卫生", "紧急程度": 1}),
        (None, {"工单编号": "J2", "问题类型": "设施损坏", "楼栋编码": BUILDING_D}),
        ({"type": "LineString", "coordinates": [[lon, lat], [lon, lat + 0.001]]},
         {"工单编号": "J3", "问题类型": "环境卫生"}),
    ], crs="urn:ogc:def:crs:EPSG::4490"))
    pairs = ("external_id=工单编号", "category=问题类型", "priority=紧急程度", "building=楼栋编码")
    mapping = [arg for pair in pairs for arg in ("--map", pair)]
    wrong = runner.invoke(args=["incidents", "import", str(path), *mapping, GOOD])  # as CGCS2000
    assert wrong.exit_code == 0, wrong.output
    assert stored(conn)["J1"].grid != GRID_A
    conn.execute(text("TRUNCATE incidents, incident_locations, incident_events, resident_reports,"
                      " incident_facts, stats_dirty CASCADE"))  # and the rows hanging off incidents
    result = runner.invoke(args=["incidents", "import", str(path), *mapping, "--crs", "gcj02",
                                 GOOD])
    assert "2 imported, 0 already stored, 1 rejected" in result.output
    assert "row 3: geometry must be a Point" in result.output
    rows = stored(conn)
    assert (rows["J1"].grid, rows["J1"].priority) == (GRID_A, 1)
    assert rows["J2"].grid == GRID_D


def upload(data: bytes, name="hotline.csv", **form):
    return {"file": (io.BytesIO(data), name), **form}


def test_the_api_with_a_bearer_token(client, conn, town, make_user, make_token):
    make_user("disp", "dispatcher")
    response = client.post("/api/v1/incidents/import", headers=bearer(make_token("disp")),
                           data=upload(csv_bytes(*DIRTY), map=json.dumps(COLUMNS),
                                       store_good="true"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["rows"], body["loaded"], body["rejected_count"]) == (14, 5, 9)
    assert body["rejected"][0] == {"row": 2, "reason": "'lon' is not a number: 'abc'"}
    assert body["located"]["covered"] == 5 and body["routed"]["full_time"] >= 1
    event = conn.execute(text("SELECT actor, user_id FROM incident_events LIMIT 1")).one()
    assert event.actor == "disp" and event.user_id is not None
    audit = conn.execute(text("SELECT after FROM audit_log WHERE action = 'incidents.import'"))
    assert audit.scalar()["loaded"] == 5


def test_the_api_refuses_callers_without_the_role(client, conn, town, make_user, make_token):
    make_user("view", "viewer")
    data = csv_bytes(line("V1", point=(1, 1)))
    anonymous = client.post("/api/v1/incidents/import", data=upload(data, map=json.dumps(COLUMNS)))
    viewer = client.post("/api/v1/incidents/import", headers=bearer(make_token("view")),
                         data=upload(data, map=json.dumps(COLUMNS)))
    assert (anonymous.status_code, viewer.status_code) == (401, 403)
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


def test_the_api_with_a_session_needs_the_csrf_token(client, conn, town, make_user):
    login(client, *make_user("disp", "dispatcher"))
    data = csv_bytes(line("S1", point=(1, 1)))
    refused = client.post("/api/v1/incidents/import", data=upload(data, map=json.dumps(COLUMNS)))
    assert refused.status_code == 403
    page = client.get("/dispatch").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    accepted = client.post("/api/v1/incidents/import", headers={"X-CSRFToken": token},
                           data=upload(data, map=json.dumps(COLUMNS)))
    assert accepted.status_code == 200 and accepted.get_json()["loaded"] == 1


def test_a_dispatcher_limited_to_communities_imports_only_theirs(client, conn, town,
                                                                  make_user, make_token):
    make_user("scoped", "dispatcher", communities=[COMMUNITY_1])
    data = csv_bytes(line("C1", point=(1, 1)), line("C2", point=(5, 1)),
                     line("C3", point=(7.5, 1)))
    body = client.post("/api/v1/incidents/import", headers=bearer(make_token("scoped")),
                       data=upload(data, map=json.dumps(COLUMNS), store_good="1")).get_json()
    assert body["loaded"] == 1
    assert body["rejected"] == [{"row": 2, "reason": imports.OUT_OF_SCOPE},
                                {"row": 3, "reason": imports.OUT_OF_SCOPE}]
    assert set(stored(conn)) == {"C1"}


@pytest.mark.commits
def test_the_api_imports_all_or_nothing_by_default(client, conn, town, make_user,
                                                   make_token):
    make_user("disp", "dispatcher")
    response = client.post("/api/v1/incidents/import", headers=bearer(make_token("disp")),
                           data=upload(csv_bytes(*DIRTY), map=json.dumps(COLUMNS)))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "9 of 14 rows rejected" in error["message"]
    assert error["details"]["rejected_count"] == 9
    assert error["details"]["rejected"][0]["row"] == 2
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


@pytest.mark.parametrize("body, form, message", [
    (b"\xff\xfe\x00garbage", {}, "not a readable utf-8 CSV"),
    (b"{not json", {"format": "geojson"}, "not a readable GeoJSON"),
    (b"category,lon,lat\n", {"map": "[1]"}, "map must be a JSON object"),
    (b"category,lon,lat\n", {"map": '{"colour": "颜色"}'}, "unknown field(s) colour"),
    (b"category,lon,lat\n", {"encoding": "latin-1"}, "encoding must be one of"),
    (b"category,lon,lat\n", {"crs": "epsg:3857"}, "unknown crs"),
    (b"category,lon,lat\n", {"sheet": "1"}, "unknown parameter(s): sheet"),
])
def test_the_api_refuses_unreadable_files_and_bad_options(client, conn, town, make_user,
                                                          make_token, body, form, message):
    make_user("disp", "dispatcher")
    response = client.post("/api/v1/incidents/import", headers=bearer(make_token("disp")),
                           data=upload(body, **form))
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


CATS = {"环境卫生": Category("环境卫生", 2, 24, "working", "grid")}
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize("fields, reason", [
    ({"category": ""}, "category is empty"),
    ({"category": "其它"}, "unknown category '其它'"),
    ({"priority": "5"}, "'priority' must be 1 (urgent), 2 or 3"),
    ({"source": "fax"}, "'source' must be one of hotline, patrol, resident, other"),
    ({"reporter_phone": "<script>"}, "'reporter_phone' must be a phone number"),
    ({"description": "x" * 2001}, "'description' is longer than 2000 characters"),
    ({"external_id": "x" * 101}, "'external_id' is longer than 100 characters"),
    ({"description": "a\x00b"}, "contains a NUL character"),
    ({"lon": "116.39", "lat": ""}, "give both lon and lat"),
    ({"lon": "116.39", "lat": "x"}, "'lat' is not a number: 'x'"),
    ({"lon": "39.9", "lat": "116.39"}, "'lat' is 116.39, outside -90..90; latitude and "
                                       "longitude look swapped"),
    ({"lon": "200", "lat": "39.9"}, "'lon' is 200, outside -180..180"),
    ({"lon": "39.9", "lat": "80"}, "outside the service area; latitude and longitude look"),
    ({"building": "A-12"}, "'building' must be a building code (digits)"),
    ({"address": ""}, "no location: give lon and lat, a building code or an address"),
    ({"reported_at": "20.11"}, "'reported_at' must be a time such as"),
    ({"reported_at": "2026/02/30 09:00"}, "'reported_at' must be a time such as"),
    ({"reported_at": "03/11/2026"}, "'reported_at' is ambiguous: '03/11/2026' may be 3 "
                                    "November or March 11"),
    ({"reported_at": "03/11/26"}, "two-digit year"),
    ({"reported_at": "2026-11-23T20:06:00+08:00"}, "in the future"),
])
def test_bad_rows_and_their_reasons(fields, reason):
    row = {"category": "环境卫生", "address": "东华门大街1号", **fields}
    data = io.StringIO()
    data.write(",".join(row) + "\n" + ",".join(f'"{v}"' for v in row.values()) + "\n")
    rows = imports.read(data.getvalue().encode(), imports.options("x.csv"), "x.csv")
    valid, rejected = imports.check(rows, CATS, (73.0, 3.0, 136.0, 54.0), NOW, "Asia/Shanghai")
    assert len(valid) == 0
    assert len(rejected) == 1 and rejected[0][0] == 1 and reason in rejected[0][1], rejected


def test_good_rows_get_typed_values():
    data = ("category,lon,lat,reported_at,priority,address,building\n"
            "环境卫生,116.39,39.9,2026-11-20T09:00:00+08:00,1,东华门大街１号,\n"
            "环境卫生,,,,,,110101\n"
            "环境卫生,,,2026-11-20 09:00,,东华门大街  1号,\n").encode()
    rows = imports.read(data, imports.options("x.csv"), "x.csv")
    valid, rejected = imports.check(rows, CATS, None, NOW, "Asia/Shanghai")
    assert rejected == []
    assert list(valid["locate_by"]) == ["point", "building", "address"]
    assert list(valid["priority"]) == [1, 2, 2] and set(valid["source"]) == {"hotline"}
    assert valid["reported_at"][0] == valid["reported_at"][2]  # +08:00 = local time
    assert valid["reported_at"][1] == (NOW - EPOCH) // dt.timedelta(microseconds=1)
    assert valid["address_key"][2] == "东华门大街 1号" and valid["address"][0] is not None
    assert valid["building"][1] == "110101" and pd.isna(valid["building"][0])
