"""Communities versioned like grids (migration 0016): a community redrawn keeps its old
version, and ``at=`` answers the one in force that day."""

import datetime as dt
import json

from sqlalchemy import text

from tests.support.geometries import box_wkt, insert_community, xy


def redraw_community_2(conn):
    """Community 2 (x 4–8, grid D at 4–6 and a gap) gives its gap to a new community 3,
    today (the database's: the versions are dated by it)."""
    conn.execute(text("UPDATE community_versions SET valid_from = '2020-01-01'"))
    conn.execute(text("UPDATE communities SET geom = ST_GeomFromText(:wkt, 4326)"
                      " WHERE code = '110101001002'"), {"wkt": box_wkt(4, 0, 6, 2)})
    insert_community(conn, "110101001003", "新建社区", (6, 0, 8, 2))
    conn.execute(text("UPDATE community_versions SET valid_from = CURRENT_DATE"
                      " WHERE code = '110101001003'"))
    today = conn.execute(text("SELECT CURRENT_DATE")).scalar_one()
    return today, today - dt.timedelta(days=1)


def lookup(client, at=None):
    lon, lat = xy(7, 1)
    query = f"lon={lon}&lat={lat}" + (f"&at={at}" if at else "")
    answer = client.get(f"/api/v1/lookup?{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["community"]["code"]


def test_a_redrawn_community_answers_as_it_was_on_the_day(client, conn, town):
    today, yesterday = redraw_community_2(conn)
    assert lookup(client, yesterday) == "110101001002"
    assert lookup(client, today) == "110101001003"
    assert lookup(client) == "110101001003"
    versions = conn.execute(text(
        "SELECT code, valid_from, valid_to FROM community_versions"
        " WHERE code <> '110101001001' ORDER BY code, valid_from")).all()
    assert [tuple(v) for v in versions] == [
        ("110101001002", dt.date(2020, 1, 1), today), ("110101001002", today, None),
        ("110101001003", today, None)]


def test_the_communities_list_as_it_was(client, conn, town):
    today, yesterday = redraw_community_2(conn)

    def listed(at):
        body = json.loads(client.get(f"/api/v1/communities?at={at}").data)
        return {f["properties"]["code"]: round(f["geometry"]["coordinates"][0][0][2][0], 4)
                for f in body["features"]}

    east = round(xy(8, 0)[0], 4)
    assert listed(yesterday) == {"110101001001": round(xy(4, 0)[0], 4), "110101001002": east}
    assert listed(today)["110101001002"] == round(xy(6, 0)[0], 4)
    assert set(listed(today)) == {"110101001001", "110101001002", "110101001003"}
    assert listed("2019-12-31") == {}  # before every version (arranged from 2020)


def test_a_second_change_on_the_same_day_replaces_that_days_version(conn, town):
    today, yesterday = redraw_community_2(conn)
    conn.execute(text("UPDATE communities SET name = '黄图岗社区（新）'"
                      " WHERE code = '110101001002'"))
    conn.execute(text("UPDATE communities SET households = 10 WHERE code = '110101001002'"))
    rows = conn.execute(text("SELECT name, valid_from, valid_to FROM community_versions"
                             " WHERE code = '110101001002' ORDER BY valid_from")).all()
    assert [tuple(r) for r in rows] == [("黄图岗社区", dt.date(2020, 1, 1), today),
                                        ("黄图岗社区（新）", today, None)]


def test_the_communities_download_as_it_was(client, conn, town):
    today, yesterday = redraw_community_2(conn)
    before = client.get(f"/api/v1/communities.csv?at={yesterday}")
    assert before.status_code == 200
    assert before.headers["Content-Disposition"].endswith(f'communities-{yesterday}.csv"')
    codes = [line.split(",")[0] for line in before.data.decode("utf-8-sig").splitlines()[1:]]
    assert codes == ["110101001001", "110101001002"]
    now = client.get("/api/v1/communities.csv").data.decode("utf-8-sig").splitlines()[1:]
    assert [line.split(",")[0] for line in now] == [
        "110101001001", "110101001002", "110101001003"]


def ogc_codes(client, query=""):
    lon, lat = xy(7, 1)
    box = f"{lon - 1e-5},{lat - 1e-5},{lon + 1e-5},{lat + 1e-5}"
    answer = client.get(f"/ogc/collections/communities/items?f=json&bbox={box}{query}")
    assert answer.status_code == 200, answer.get_json()
    return [(f["id"], f["properties"]["street_code"]) for f in answer.get_json()["features"]]


def test_ogc_datetime_answers_the_communities_of_that_day(client, conn, town):
    today, yesterday = redraw_community_2(conn)
    assert ogc_codes(client, f"&datetime={yesterday}") == [("110101001002", "110101001")]
    assert ogc_codes(client, f"&datetime={today}") == [("110101001003", "110101001")]
    assert ogc_codes(client) == [("110101001003", "110101001")]
    # an interval spanning the redraw: both, each version its own feature
    both = ogc_codes(client, f"&datetime={yesterday}/{today}")
    assert [code for code, _ in both] == ["110101001002", "110101001003"]
    one = client.get("/ogc/collections/communities/items/110101001002?f=json").get_json()
    assert round(one["geometry"]["coordinates"][0][0][2][0], 4) == round(xy(6, 0)[0], 4)


def test_a_street_moved_answers_its_old_street_before(client, conn, town):
    """Streets are versioned with the communities that name them."""
    conn.execute(text("UPDATE community_versions SET valid_from = '2020-01-01'"))
    conn.execute(text("UPDATE communities SET street_code = '110101002',"
                      " street_name = '新街道' WHERE code = '110101001002'"))
    today = conn.execute(text("SELECT CURRENT_DATE")).scalar_one()
    lon, lat = xy(7, 1)
    box = f"{lon - 1e-5},{lat - 1e-5},{lon + 1e-5},{lat + 1e-5}"
    assert ogc_codes(client, f"&datetime={today - dt.timedelta(days=1)}") == [
        ("110101001002", "110101001")]
    assert ogc_codes(client) == [("110101001002", "110101002")]
    before = client.get(f"/api/v1/communities?at={today - dt.timedelta(days=1)}&bbox={box}")
    assert [f["properties"]["street_code"] for f in before.get_json()["features"]] == [
        "110101001"]
