"""Redraw plans: create, read, edit with ETag/If-Match, delete; bad input refused whole."""

import io
import json
import threading

import pytest
from sqlalchemy import text

from geo.core.errors import PreconditionFailed
from geo.plans import drafts
from tests.support.auth import bearer
from tests.support.geometries import (
    COMMUNITY_1,
    COMMUNITY_2,
    GRID_A,
    GRID_B,
    GRID_C,
    xy,
)
from tests.support.plans import (
    REDRAWN,
    box,
    collection,
    feature,
    new_plan,
    planner_headers,
    put_grids,
)


def codes(body):
    return sorted(f["properties"]["code"] for f in body["grids"]["features"])


def test_create_from_current_grids_copies_them(client, planner, conn):
    body, etag = new_plan(client, planner)
    assert body["status"] == "draft" and body["source"] == "current" and body["version"] == 1
    assert etag == body["etag"] == f'"plan-{body["id"]}-v1"'
    assert codes(body) == [GRID_A, GRID_B, GRID_C]
    assert body["community"]["code"] == COMMUNITY_1 and body["created_by"] == "planner1"
    audit = conn.execute(text("SELECT action, entity_id FROM audit_log"
                              " WHERE entity = 'plan'")).all()
    assert [tuple(a) for a in audit] == [("plan.create", str(body["id"]))]


def test_create_empty_and_list(client, planner):
    empty, _ = new_plan(client, planner, source="empty")
    assert empty["grids"]["features"] == [] and empty["grids"]["type"] == "FeatureCollection"
    new_plan(client, planner, community=COMMUNITY_2)
    listed = client.get("/api/v1/plans?community=" + COMMUNITY_1, headers=planner).get_json()
    assert listed["total"] == 1 and listed["plans"][0]["id"] == empty["id"]
    assert client.get("/api/v1/plans", headers=planner).get_json()["total"] == 2


def test_create_from_a_geojson_file_in_gcj02(client, planner):
    from geo.core.crs import from_wgs84

    def gcj_box(x0, y0, x1, y1):
        pts = [from_wgs84(*xy(x, y), "gcj02") for x, y in
               ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
        return {"type": "Polygon", "coordinates": [[list(p) for p in pts]]}

    doc = collection(feature(GRID_A, "甲", gcj_box(0, 0, 2, 2)),
                     feature(GRID_B, "乙", gcj_box(2, 0, 4, 2)))
    data = {"community": COMMUNITY_1, "name": "上传方案", "crs": "gcj02",
            "file": (io.BytesIO(json.dumps(doc).encode()), "plan.geojson")}
    response = client.post("/api/v1/plans", data=data, headers=planner,
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["source"] == "file" and codes(body) == [GRID_A, GRID_B]
    ring = body["grids"]["features"][0]["geometry"]["coordinates"][0][0]
    lon0, lat0 = xy(0, 0)
    assert min(abs(p[0] - lon0) + abs(p[1] - lat0) for p in ring) < 1e-5  # back in WGS-84


def test_replace_then_stale_etag_is_412_and_changes_nothing(client, planner, conn):
    body, etag = new_plan(client, planner)
    first = put_grids(client, planner, body["id"], etag, REDRAWN)
    assert first.status_code == 200, first.get_json()
    assert first.headers["ETag"] == f'"plan-{body["id"]}-v2"'
    # a second planner read the plan at version 1 too
    second = put_grids(client, planner, body["id"], etag, collection(
        feature(GRID_A, "x", box(0, 0, 4, 2))))
    assert second.status_code == 412
    err = second.get_json()["error"]
    assert err["code"] == "stale_version" and err["details"]["version"] == 2
    now = client.get(f"/api/v1/plans/{body['id']}", headers=planner).get_json()
    assert len(now["grids"]["features"]) == 3 and now["version"] == 2
    area = conn.execute(text("SELECT round(sum(ST_Area(geom))::numeric, 9) FROM plan_grids"
                             " WHERE code = :c"), {"c": GRID_A}).scalar()
    assert float(area) == pytest.approx(1.5 * 2 * 1e-6)


def test_writes_without_if_match_are_428(client, planner):
    body, _ = new_plan(client, planner)
    response = client.put(f"/api/v1/plans/{body['id']}/grids", json=REDRAWN, headers=planner)
    assert response.status_code == 428
    assert response.get_json()["error"]["code"] == "if_match_required"
    assert client.delete(f"/api/v1/plans/{body['id']}", headers=planner).status_code == 428
    foreign = {**planner, "If-Match": '"plan-999-v1"'}
    assert client.delete(f"/api/v1/plans/{body['id']}", headers=foreign).status_code == 412


@pytest.mark.commits
def test_two_writers_at_once_one_wins_the_other_gets_412(app, client, planner):
    """Both claim version 1 on their own connections: the second waits on the row lock,
    then finds the version moved on."""
    from app.extensions import db

    body, _ = new_plan(client, planner)
    plan_id, results, engine = body["id"], {}, db.engine

    def second_writer():
        with engine.begin() as conn:
            try:
                drafts.claim(conn, plan_id, 1, None)
                results["second"] = "won"
            except PreconditionFailed as err:
                results["second"] = err.details["version"]

    with engine.connect() as first:
        tx = first.begin()
        drafts.claim(first, plan_id, 1, None)  # holds the row lock, not committed yet
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.5)
        blocked = thread.is_alive()
        tx.commit()
    thread.join(10)
    assert blocked  # the second writer waited for the first
    assert results["second"] == 2


def test_patch_changes_adds_and_deletes_grids(client, planner):
    body, etag = new_plan(client, planner)
    by_code = {f["properties"]["code"]: f["id"] for f in body["grids"]["features"]}
    patch = {"type": "FeatureCollection", "delete": [GRID_C], "features": [
        feature(None, "第二网格（扩大）", box(2, 0, 4, 2), fid=by_code[GRID_B]),
        feature(GRID_A, "第一网格（新名）", None),
        feature(COMMUNITY_1 + "009", "新网格", box(0, 0, 0.5, 0.5))]}
    response = client.patch(f"/api/v1/plans/{body['id']}/grids", json=patch,
                            headers={**planner, "If-Match": etag})
    assert response.status_code == 200, response.get_json()
    after = {f["properties"]["code"]: f for f in response.get_json()["grids"]["features"]}
    assert sorted(after) == [GRID_A, GRID_B, COMMUNITY_1 + "009"]
    assert after[GRID_A]["properties"]["name"] == "第一网格（新名）"
    assert after[GRID_A]["geometry"] == {
        f["properties"]["code"]: f for f in body["grids"]["features"]}[GRID_A]["geometry"]
    assert after[GRID_B]["properties"]["area_m2"] > 30000


def test_delete_a_draft(client, planner, conn):
    body, etag = new_plan(client, planner)
    response = client.delete(f"/api/v1/plans/{body['id']}", headers={**planner, "If-Match": etag})
    assert response.status_code == 204
    assert conn.execute(text("SELECT count(*) FROM plan_grids")).scalar() == 0
    assert client.get(f"/api/v1/plans/{body['id']}", headers=planner).status_code == 404


BAD_CREATES = [
    ({"community": "1101", "name": "x"}, "community"),
    ({"community": "110101001999", "name": "x"}, None),  # 404
    ({"community": COMMUNITY_1}, "name"),
    ({"community": COMMUNITY_1, "name": "x", "source": "magic"}, "source"),
    ({"community": COMMUNITY_1, "name": "x", "source": "version"}, "at"),
    ({"community": COMMUNITY_1, "name": "x", "source": "version", "at": "2019-01-01"}, "at"),
    ({"community": COMMUNITY_1, "name": "x", "source": "plan"}, "plan"),
    ({"community": COMMUNITY_1, "name": "x", "version": 9}, "version"),
    ([1, 2], None),
]


@pytest.mark.parametrize(("body", "param"), BAD_CREATES)
def test_bad_creates_are_refused_and_store_nothing(client, planner, conn, body, param):
    response = client.post("/api/v1/plans", json=body, headers=planner)
    assert 400 <= response.status_code < 500
    if param:
        assert response.get_json()["error"]["details"]["param"] == param
    assert conn.execute(text("SELECT count(*) FROM plans")).scalar() == 0


BAD_GRIDS = [
    ({"type": "Feature"}, "send a GeoJSON FeatureCollection"),
    (collection(feature(GRID_A, "a", {"type": "Point", "coordinates": list(xy(1, 1))})),
     "Polygon or MultiPolygon only"),
    (collection(feature(GRID_A, "a", {"type": "Polygon", "coordinates": "nonsense"})),
     "not a GeoJSON geometry"),
    (collection(feature("1" * 40, "a", box(0, 0, 1, 1))), "at most 15"),
    (collection(feature(GRID_A, "a", {"type": "Polygon", "coordinates": [
        [[39.9, 116.39], [39.91, 116.39], [39.91, 116.4], [39.9, 116.39]]]})), "out of range"),
    (collection(feature(GRID_A, "bow-tie", {"type": "Polygon", "coordinates": [
        [list(xy(0, 0)), list(xy(1, 1)), list(xy(1, 0)), list(xy(0, 1)), list(xy(0, 0))]]})),
     "make_valid=true"),
    (collection(feature(GRID_A, "a", None)), "missing geometry"),
]


@pytest.mark.parametrize(("doc", "reason"), BAD_GRIDS)
def test_bad_grids_are_refused_whole(client, planner, doc, reason):
    body, etag = new_plan(client, planner)
    response = put_grids(client, planner, body["id"], etag, doc)
    assert response.status_code == 400
    assert reason in json.dumps(response.get_json(), ensure_ascii=False)
    again = client.get(f"/api/v1/plans/{body['id']}", headers=planner).get_json()
    assert again["version"] == 1 and len(again["grids"]["features"]) == 3


def test_bow_tie_repaired_on_request(client, planner):
    body, etag = new_plan(client, planner)
    bow = {"type": "Polygon", "coordinates": [
        [list(xy(0, 0)), list(xy(1, 1)), list(xy(1, 0)), list(xy(0, 1)), list(xy(0, 0))]]}
    response = put_grids(client, planner, body["id"], etag,
                         collection(feature(GRID_A, "a", bow)), make_valid="true")
    assert response.status_code == 200
    assert response.get_json()["grids"]["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_limits_and_roles(client, make_user, make_token, town, conn):
    headers = planner_headers(make_user, make_token, communities=(COMMUNITY_2,))
    response = client.post("/api/v1/plans", json={"community": COMMUNITY_1, "name": "x"},
                           headers=headers)
    assert response.status_code == 404  # outside the planner's communities
    make_user("disp", "dispatcher")
    dispatcher = bearer(make_token("disp"))
    response = client.post("/api/v1/plans", json={"community": COMMUNITY_1, "name": "x"},
                           headers=dispatcher)
    assert response.status_code == 403
    assert client.get("/api/v1/plans", headers=dispatcher).status_code == 200
    assert client.get("/api/v1/plans").status_code == 401


def test_check_route_reports_findings_with_geometry(client, planner):
    body, etag = new_plan(client, planner)
    put_grids(client, planner, body["id"], etag, collection(
        feature(GRID_A, "a", box(0, 0, 2.5, 2)), feature(GRID_B, "b", box(2, 0, 4, 2))))
    report = client.get(f"/api/v1/plans/{body['id']}/check", headers=planner).get_json()
    assert report["ok"] is False and report["version"] == 2
    overlap = [f for f in report["findings"] if f["kind"] == "overlap"]
    assert overlap[0]["codes"] == [GRID_A, GRID_B] and overlap[0]["unit"] == "m2"
    assert overlap[0]["geometry"]["type"] == "Polygon"
    assert {f["kind"] for f in report["findings"]} >= {"overlap", "households"}
    assert client.get(f"/api/v1/plans/{body['id']}/check?x=1", headers=planner).status_code == 400
    assert client.get("/api/v1/plans/999/check", headers=planner).status_code == 404


def test_grids_sent_back_as_read_change_nothing(client, planner, conn):
    """The editor's undo PUTs the grids it read: they must come back exactly. Boundaries
    at full precision (not on a 7-decimal lattice) and stored clockwise: sending a plan's
    grids back as GET gave them adds no sliver and changes no grid in the impact."""
    conn.execute(text("UPDATE communities SET geom = ST_Translate(geom, 4.4321e-8, 3.3123e-8)"))
    conn.execute(text("UPDATE grids SET geom = ST_Reverse(ST_Translate(geom, 4.4321e-8,"
                      " 3.3123e-8))"))
    conn.commit()
    body, etag = new_plan(client, planner)
    plan = f"/api/v1/plans/{body['id']}"
    check_before = client.get(plan + "/check", headers=planner).get_json()
    assert not [f for f in check_before["findings"] if f["kind"] == "sliver"]
    read = client.get(plan, headers=planner)
    sent = json.loads(read.get_data(as_text=True))["grids"]  # as a browser parses it
    answer = put_grids(client, planner, body["id"], read.headers["ETag"], {
        "type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": f["geometry"], "properties": {
                "code": f["properties"]["code"], "name": f["properties"]["name"]}}
            for f in sent["features"]]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["grids"]["features"][0]["geometry"] == sent["features"][0]["geometry"]
    check = client.get(plan + "/check", headers=planner).get_json()
    assert [f for f in check["findings"] if f["kind"] == "sliver"] == []
    assert check["findings"] == check_before["findings"]
    impact = client.get(plan + "/impact", headers=planner).get_json()
    assert {g["code"]: g["status"] for g in impact["grids"]} == dict.fromkeys(
        (GRID_A, GRID_B, GRID_C), "unchanged")
    same = conn.execute(text(
        "SELECT bool_and(ST_Equals(p.geom, g.geom) AND ST_Area(ST_SymDifference(p.geom, g.geom))"
        " = 0) FROM plan_grids p JOIN grids g USING (code) WHERE p.plan_id = :p"),
        {"p": body["id"]}).scalar()
    assert same
