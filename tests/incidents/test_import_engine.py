"""The import engine (geo.incidents.imports): locating in process against PostGIS's answer,
chunks, XLSX, local dates, background jobs (leases, restarts, failures) and presets."""

import datetime as dt
import io
import json

import numpy as np
import pytest
from sqlalchemy import text

from geo.incidents import imports
from geo.incidents.imports import jobs
from geo.incidents.intake import Rules
from geo.places import covering
from geo.places.assign import locate_point
from tests.incidents.test_hotline_import import COLUMNS, csv_bytes, line, stored, upload
from tests.support.auth import bearer
from tests.support.geometries import GRID_A, xy

pytestmark = pytest.mark.town("incidents")

# A lattice over the town and around it, a quarter unit apart: inside grids, on shared
# edges (x = 2, 4; y = 1) and vertices, within snapping distance outside, in the gap of
# community 2 (no grid) and beyond everything.
LATTICE = [(x / 4, y / 4) for x in range(-4, 37) for y in range(-4, 13)]


def sql_answer(conn, points, snap):
    out = []
    for lon, lat in points:
        loc = locate_point(conn, lon, lat, snap)
        out.append((loc.grid_id, loc.community_id, loc.state,
                    None if loc.distance_m is None else round(loc.distance_m, 6)))
    return out


def test_in_process_locating_settles_only_what_postgis_answers_the_same(app, conn, town):
    points = [xy(*p) for p in LATTICE]
    lon, lat = np.array(points).T
    found = covering.locate(covering.current_grids(conn), lon, lat, near_m=20.0)
    expected = sql_answer(conn, points, 50.0)
    settled = np.flatnonzero(found.settled)
    assert 150 < len(settled) < len(points)  # interior points; no edge or outside one
    for i in settled:
        assert (found.grid_id[i], found.community_id[i], "covered") == expected[i][:3], \
            LATTICE[i]
    on_edges = [i for i, (x, y) in enumerate(LATTICE) if x in (2, 4) and 0 <= y <= 2]
    assert not found.settled[on_edges].any()  # shared edges go to PostGIS's tie-break
    assert not found.clear[on_edges].any()
    # Near another grid (not settled) but clear of it: the covered step is still decided.
    near = [(1.9, 0.5), (2.1, 0.5), (3.0, 0.9), (3.0, 1.1), (3.9, 1.5), (4.1, 0.5),
            (2.0 - 1e-3, 0.5), (2.0 - 1e-5, 0.5), (4.0, 1.0)]
    lon, lat = np.array([xy(*p) for p in near]).T
    found = covering.locate(covering.current_grids(conn), lon, lat, near_m=20.0)
    assert not found.settled.any()
    assert list(found.clear) == [True] * 7 + [False] * 2
    expected = sql_answer(conn, [xy(*p) for p in near], 50.0)
    for i in np.flatnonzero(found.clear):
        assert (found.grid_id[i], found.community_id[i], "covered") == expected[i][:3], near[i]


def test_every_imported_point_is_located_as_postgis_locates_it(app, conn, town):
    from app.extensions import db

    points = [xy(*p) for p in LATTICE]
    data = csv_bytes(*[line(f"L{i}", lon=repr(a), lat=repr(b))
                       for i, (a, b) in enumerate(points)])
    opts = imports.options("l.csv", mapping=COLUMNS, strict=False)
    who = imports.Importer("test", Rules.from_config(app.config), (73.0, 3.0, 136.0, 54.0))
    result = imports.import_file(db.session.connection(), data, opts, "l.csv", who)
    assert result.loaded == len(points) and not result.rejected
    rows = {r.external_id: r for r in conn.execute(text(
        "SELECT i.external_id, l.grid_id, l.community_id, l.state, l.snap_distance_m"
        " FROM incidents i JOIN incident_locations l ON l.incident_id = i.id"))}
    expected = sql_answer(conn, points, app.config["ASSIGN_SNAP_METERS"])
    states = set()
    for i, want in enumerate(expected):
        row = rows[f"L{i}"]
        got = (row.grid_id, row.community_id, row.state,
               None if row.snap_distance_m is None else round(row.snap_distance_m, 6))
        assert got == want, LATTICE[i]
        states.add(want[2])
    assert states == {"covered", "snapped", "out_of_area"}


# Buildings (unit boxes) and the grid given to each: inside A; near A's edge with B; across
# it (given to B); given to D but standing in A; near D's edge with the gap (no other
# grid); near B's edge with C; in the gap (no grid: the rule locates its point).
BUILDINGS = [((0.5, 0.5, 0.6, 0.6), "A"), ((1.8, 0.4, 1.9, 0.5), "A"),
             ((1.95, 0.4, 2.15, 0.5), "B"), ((1.0, 1.0, 1.1, 1.1), "D"),
             ((5.8, 0.5, 5.9, 0.6), "D"), ((3.0, 0.85, 3.1, 0.95), "B"),
             ((6.5, 0.5, 6.6, 0.6), None)]


def test_rows_located_by_building_are_routed_as_postgis_routes_them(app, conn, town):
    from app.extensions import db
    from geo.incidents.routing import located_select
    from tests.support.towns import add_building

    codes = [f"110101001009{i:07d}" for i in range(len(BUILDINGS))]
    for code, (box, grid) in zip(codes, BUILDINGS, strict=True):
        community = town["C2"] if grid == "D" else town["C1"] if grid else None
        add_building(conn, code, f"测试楼{code[-2:]}", box, town.get(grid), community)
    data = csv_bytes(*[line(code, building=code) for code in codes])
    opts = imports.options("b.csv", mapping=COLUMNS, strict=True)
    who = imports.Importer("test", Rules.from_config(app.config), (73.0, 3.0, 136.0, 54.0))
    assert imports.import_file(db.session.connection(), data, opts, "b.csv", who).loaded == 7
    cols = ("grid_id, community_id, state, boundary_grid_id,"
            " round(CAST(boundary_distance_m AS numeric), 6)")
    got = conn.execute(text(
        f"SELECT i.external_id, {cols.replace('grid_id,', 'l.grid_id,', 1)} FROM incidents i"
        " JOIN incident_locations l ON l.incident_id = i.id ORDER BY 1")).all()
    source = ("(SELECT code, id AS building_id, ST_PointOnSurface(geom) AS geom"
              " FROM buildings WHERE code LIKE '110101001009%') s")
    want = conn.execute(text(f"SELECT code, {cols} FROM ({located_select(source)}) r"
                             " ORDER BY 1"), {"snap": 50.0, "boundary": 20.0}).all()
    assert got == want
    assert {row[4] for row in want} == {None, town["A"], town["B"], town["C"]}
    points = conn.execute(text("SELECT ST_X(p), ST_Y(p), coalesce(grid_id, -1) FROM buildings,"
                               " ST_PointOnSurface(geom) p WHERE code = ANY(:c) ORDER BY code"),
                          {"c": codes}).all()
    lon, lat, grid = (np.array(v) for v in zip(*points, strict=True))
    alone = covering.alone(covering.current_grids(conn), lon, lat, grid, 20.0)
    assert list(alone[:6]) == [True, False, False, False, True, False]  # settled in process


GIN_PENDING = """
    SELECT c.relname, (pgstatginindex(c.oid)).pending_pages FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = 'incidents'::regclass AND am.amname = 'gin'"""


def test_an_import_leaves_no_pending_gin_entries_for_later_writers(app, conn, town):
    from app.extensions import db

    session = db.session.connection()
    session.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
    data = csv_bytes(*[line(f"G{i}", point=(1 + i % 7 / 4, 1.5), address=f"景山东街{i}号",
                            description=f"井盖缺失第{i}处") for i in range(400)])
    opts = imports.options("g.csv", mapping=COLUMNS, strict=False)
    who = imports.Importer("test", Rules.from_config(app.config), (73.0, 3.0, 136.0, 54.0))
    assert imports.import_file(session, data, opts, "g.csv", who).loaded == 400
    pending = session.execute(text(GIN_PENDING)).all()
    assert pending and all(pages == 0 for _, pages in pending), pending  # merged, not queued
    assert session.execute(text("SHOW gin_pending_list_limit")).scalar() == "4MB"
    session.execute(text("SET LOCAL enable_seqscan = off"))  # the indexes answer
    assert session.execute(text(
        "SELECT count(*) FROM incidents WHERE description LIKE '%缺失第12%'"
        " AND address LIKE '%东街12%'")).scalar_one() == 11
    session.execute(text("RESET enable_seqscan"))
    # A few rows more by an ordinary writer queue in the pending list as before.
    session.execute(text("INSERT INTO incidents (category, description, address, source,"
                         " reported_at, status, priority) VALUES ('环境卫生', '井盖缺失',"
                         " '景山东街', 'patrol', now(), 'reported', 2)"))
    assert any(pages > 0 for _, pages in session.execute(text(GIN_PENDING)))


def test_a_file_in_chunks_numbers_rows_across_them_and_finds_repeats(app, conn, town,
                                                                     monkeypatch):
    from app.extensions import db

    monkeypatch.setattr(imports.files, "CHUNK_ROWS", 2)
    data = csv_bytes(line("K1", point=(1, 1)), line("K2", point=(1, 1.5)),
                     line("K3", lon="x", lat="1"), line("K1", point=(3, 1.5)),
                     line("K5", point=(5, 1)))
    opts = imports.options("k.csv", mapping=COLUMNS, strict=False)
    assert len(list(imports.chunks(data, opts, "k.csv", chunk=2))) == 3
    steps = []
    who = imports.Importer("test", Rules.from_config(app.config))
    result = imports.import_file(db.session.connection(), data, opts, "k.csv", who,
                                 progress=lambda *a: steps.append(a))
    assert result.rows == 5 and result.loaded == 3
    assert [r for r, _ in result.rejected] == [3, 4]
    assert "repeated in the file (first at row 1)" in result.rejected[1][1]
    assert [s for s in steps if s[0] == "read"] == [("read", 2, 5), ("read", 4, 5),
                                                    ("read", 5, 5)]
    assert steps[-1] == ("done", 5, 5)
    assert set(stored(conn)) == {"K1", "K2", "K5"}


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_export_with_local_dates(app, conn, town):
    from app.extensions import db

    lon, lat = xy(1, 1)
    data = xlsx_bytes([
        ["工单编号", "问题类型", "经度", "纬度", "受理时间", "紧急程度"],
        ["X1", "环境卫生", lon, lat, dt.datetime(2026, 11, 3, 14, 5), 1],
        ["X2", "环境卫生", lon, lat, "2026年11月3日", 2.0],
        ["X3", "环境卫生", lon, lat, "2026/11/03 14:05", None],
        [None, None, None, None, None, None],
        ["X4", "环境卫生", lon, lat, "03/11/2026", None],
    ])
    mapping = {"external_id": "工单编号", "category": "问题类型", "lon": "经度", "lat": "纬度",
               "reported_at": "受理时间", "priority": "紧急程度"}
    opts = imports.options("12345.xlsx", mapping=mapping, strict=False)
    assert opts.format == "xlsx"
    who = imports.Importer("test", Rules.from_config(app.config))
    result = imports.import_file(db.session.connection(), data, opts, "12345.xlsx", who)
    assert result.loaded == 3
    assert result.rejected == [(4, "'reported_at' is ambiguous: '03/11/2026' may be 3 "
                                   "November or March 11; write 2026-11-03 or 2026年11月3日")]
    rows = stored(conn)
    utc = dt.UTC
    assert rows["X1"].reported_at == dt.datetime(2026, 11, 3, 6, 5, tzinfo=utc)
    assert rows["X2"].reported_at == dt.datetime(2026, 11, 2, 16, 0, tzinfo=utc)
    assert rows["X3"].reported_at == rows["X1"].reported_at
    assert (rows["X1"].priority, rows["X2"].priority, rows["X3"].priority) == (1, 2, 2)


def test_a_broken_xlsx_is_a_clear_error():
    with pytest.raises(imports.files.InvalidFile, match="not a readable XLSX"):
        list(imports.chunks(b"PK\x03\x04 broken", imports.options("a.xlsx"), "a.xlsx"))


BIG = 6000  # more rows than IMPORT_SYNC_ROWS: a background job


def big_file(n=BIG, bad_row=None) -> bytes:
    rows = [line(f"B{i}", point=(0.5 + (i % 100) / 80, 0.5 + (i // 100) / 80))
            for i in range(n)]
    if bad_row is not None:
        rows[bad_row] = line("BAD", category="乱扔垃圾", point=(1, 1))
    return csv_bytes(*rows)


def post_big(client, headers, form):
    """A multipart POST encoded in memory (the test client would spool a large body to a
    temporary file it never closes)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import stream_encode_multipart

    values = MultiDict({k: FileStorage(v[0], filename=v[1]) if isinstance(v, tuple) else v
                        for k, v in form.items()})
    stream, length, boundary = stream_encode_multipart(values, use_tempfile=False)
    return client.post("/api/v1/incidents/import", headers=headers, data=stream.read(),
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.commits
def test_a_large_upload_runs_as_a_job_and_reports_at_the_end(app, client, conn, town,
                                                             make_user, make_token):
    from app import jobs as runner

    make_user("disp", "dispatcher")
    headers = bearer(make_token("disp"))
    response = post_big(client, headers, upload(big_file(), map=json.dumps(COLUMNS)))
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["state"] == "queued" and job["rows_total"] == BIG
    assert response.headers["Location"] == job["url"]
    assert job["url"] == f"/api/v1/incidents/import/jobs/{job['id']}"
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
    assert runner.run_pending(app) == [job["id"]]
    done = client.get(job["url"], headers=headers).get_json()
    assert (done["state"], done["step"], done["rows_done"]) == ("done", "done", BIG)
    assert done["result"]["loaded"] == BIG and done["result"]["located"]["covered"] == BIG
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == BIG
    assert conn.execute(text("SELECT data FROM import_jobs")).scalar() is None  # file dropped
    other = bearer(make_token(make_user("disp2", "dispatcher")[0]))
    assert client.get(job["url"], headers=other).status_code == 404


@pytest.mark.commits
def test_a_job_with_a_rejected_row_fails_and_writes_nothing(app, client, conn, town,
                                                            make_user, make_token):
    from app import jobs as runner

    make_user("disp", "dispatcher")
    headers = bearer(make_token("disp"))
    job = post_big(client, headers, upload(big_file(bad_row=4321),
                                           map=json.dumps(COLUMNS))).get_json()
    runner.run_pending(app)
    failed = client.get(job["url"], headers=headers).get_json()
    assert failed["state"] == "failed" and failed["error"]["code"] == "rows_rejected"
    assert failed["error"]["details"]["rejected"] == [
        {"row": 4322, "reason": failed["error"]["details"]["rejected"][0]["reason"]}]
    assert "unknown category '乱扔垃圾'" in failed["error"]["details"]["rejected"][0]["reason"]
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


@pytest.mark.commits
def test_a_job_whose_worker_died_is_taken_again_once_then_failed(app, conn, town):
    from app import jobs as runner
    from app.extensions import db

    who = imports.Importer("test", Rules.from_config(app.config))
    opts = imports.options("r.csv", mapping=COLUMNS)
    with db.engine.begin() as c:
        first = jobs.submit(c, who, "r.csv", opts, csv_bytes(line("R1", point=(1, 1))))
        second = jobs.submit(c, who, "r.csv", opts, csv_bytes(line("R2", point=(1, 1))))
    # Both were running on a worker that stopped: leases ran out, one attempt each left
    # for the first, none for the second.
    conn.execute(text("UPDATE import_jobs SET state = 'running', worker = 'gone',"
                      " lease_until = now() - interval '1 minute',"
                      " attempts = CASE WHEN id = :a THEN 1 ELSE 2 END"), {"a": first})
    assert runner.run_pending(app) == [first]
    states = dict(conn.execute(text("SELECT id, state FROM import_jobs")).all())
    assert states == {first: "done", second: "failed"}
    error = conn.execute(text("SELECT error FROM import_jobs WHERE id = :i"),
                         {"i": second}).scalar()
    assert error["code"] == "interrupted" and "nothing was written" in error["message"]
    assert set(stored(conn)) == {"R1"}


@pytest.mark.commits
def test_two_workers_never_take_the_same_job(app, conn, town):
    from app.extensions import db
    from geo.incidents.store import import_jobs as store

    who = imports.Importer("test", Rules.from_config(app.config))
    with db.engine.begin() as c:
        job = jobs.submit(c, who, "w.csv", imports.options("w.csv"), b"category,lon,lat\n")
    with db.engine.connect() as one, db.engine.connect() as two:
        with one.begin():
            taken = store.take(one, "one", 30)
            with two.begin():
                assert store.take(two, "two", 30) is None  # skipped, not waited for
    assert taken["id"] == job


def test_presets_are_saved_used_and_deleted(client, conn, town, make_user, make_token):
    make_user("disp", "dispatcher")
    headers = bearer(make_token("disp"))
    saved = client.post("/api/v1/incidents/import/presets", headers=headers,
                        json={"name": "12345 导出", "map": COLUMNS, "encoding": "gbk"})
    assert saved.status_code == 200, saved.get_json()
    preset = saved.get_json()
    assert preset["options"] == {"encoding": "gbk"} and preset["map"] == COLUMNS
    listed = client.get("/api/v1/incidents/import/presets", headers=headers).get_json()
    assert [p["name"] for p in listed["presets"]] == ["12345 导出"]
    data = csv_bytes(line("P1", point=(1, 1), description="噪音扰民"), encoding="gbk")
    body = client.post("/api/v1/incidents/import", headers=headers,
                       data=upload(data, preset=str(preset["id"]))).get_json()
    assert body["loaded"] == 1 and stored(conn)["P1"].grid == GRID_A
    bad = client.post("/api/v1/incidents/import/presets", headers=headers,
                      json={"name": "x", "map": {"colour": "颜色"}})
    assert bad.status_code == 400 and "unknown field(s) colour" in bad.get_json()["error"][
        "message"]
    other = bearer(make_token(make_user("disp2", "dispatcher")[0]))
    assert client.post("/api/v1/incidents/import", headers=other,
                       data=upload(data, preset=str(preset["id"]))).status_code == 400
    gone = client.delete(f"/api/v1/incidents/import/presets/{preset['id']}", headers=headers)
    assert gone.status_code == 204
    assert client.get("/api/v1/incidents/import/presets", headers=headers).get_json() == {
        "presets": []}
