"""The data the statistics maps fetch: quantised outlines, values with classes, heat points."""

import pytest
import shapely
from sqlalchemy import text

from geo.core.crs import from_wgs84
from geo.stats import mapshapes
from tests.support.auth import bearer
from tests.support.geometries import (
    COMMUNITY_2,
    GRID_A,
    LAT0,
    LON0,
    insert_community,
    insert_grid,
    xy,
)
from tests.support.towns import PERIOD, add_party

pytestmark = pytest.mark.town("stats")

TOWN_BOX = "116.389,39.899,116.399,39.903"


def get(client, headers, path, **query):
    answer = client.get(path, query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def outlines(client, headers, **query):
    body = get(client, headers, "/api/v1/map/grids", **query)
    ids = [sum(mapshapes.unvarints(body["ids"])[:i + 1])
           for i in range(len(mapshapes.unvarints(body["ids"])))]
    return body, dict(zip(ids, mapshapes.decode(body), strict=True))


def test_outlines_of_the_view_decode_to_the_grids(client, viewer, town):
    body, shapes = outlines(client, viewer, bbox=TOWN_BOX, zoom=18)
    assert sorted(shapes) == sorted(town[k] for k in "ABCD") and body["truncated"] is False
    lon, lat = xy(0, 0)
    a = shapes[town["A"]]
    assert a.bounds == pytest.approx((lon, lat, *xy(2, 2)), abs=body["cell"])
    only_d = outlines(client, viewer, bbox="116.3945,39.9005,116.3955,39.9015", zoom=18)[1]
    assert list(only_d) == [town["D"]]


def wiggly_pair(conn):
    """Two grids sharing a zig-zag edge of 60 vertices, 2 m apart, far below a pixel at
    zoom 12; the right one's outline has its shared vertices in reverse order."""
    zig = [(LON0 + 0.01 + (0.00002 if i % 2 else 0), LAT0 + 0.01 + i * 0.00002)
           for i in range(61)]
    top, bottom = zig[-1][1], zig[0][1]
    left = [(LON0 + 0.008, bottom), *zig, (LON0 + 0.008, top), (LON0 + 0.008, bottom)]
    right = [(LON0 + 0.012, top), *reversed(zig), (LON0 + 0.012, bottom), (LON0 + 0.012, top)]
    community = insert_community(conn, "110101001009", "弯曲社区", (8, 10, 12, 11.2))
    ids = []
    for code, ring in (("001", left), ("002", right)):
        wkt = "MULTIPOLYGON(((" + ",".join(f"{x} {y}" for x, y in ring) + ")))"
        ids.append(conn.execute(text(
            "INSERT INTO grids (code, name, community_id, geom) VALUES (:c, 'w', :cid,"
            " ST_GeomFromText(:w, 4326)) RETURNING id"),
            {"c": "110101001009" + code, "cid": community, "w": wkt}).scalar_one())
    return ids


@pytest.mark.parametrize("zoom", [10, 12, 14, 17])
def test_shared_edges_stay_gap_free_at_every_zoom(client, viewer, town, conn, zoom):
    left, right = wiggly_pair(conn)
    body, shapes = outlines(client, viewer, bbox="116.39,39.90,116.41,39.92", zoom=zoom)
    a, b = shapes[left], shapes[right]
    assert a.is_valid and b.is_valid
    assert a.intersection(b).area < 1e-14  # no overlap
    union = shapely.union(a, b)
    hull = shapely.box(*union.bounds)
    assert union.geom_type == "Polygon" and not union.interiors  # one piece, no gap
    assert union.area == pytest.approx(hull.area, rel=1e-9)
    stored = 61 + 3
    if zoom <= 12:  # the zig-zag is well below a pixel: it is gone
        assert shapely.get_num_coordinates(a) < 12
    elif zoom == 14:
        assert shapely.get_num_coordinates(a) < stored * 0.6


def test_per_polygon_simplification_would_open_gaps(conn, town):
    """Why outlines are snapped rather than simplified one polygon at a time."""
    wiggly_pair(conn)
    gap = conn.execute(text("""
        SELECT ST_Area(ST_Difference(ST_Envelope(ST_Collect(g)), ST_Union(g)))
          FROM (SELECT ST_SimplifyPreserveTopology(geom, 0.00003) g FROM grids
                 WHERE code LIKE '110101001009%') s""")).scalar()
    assert gap > 0


def test_outlines_for_a_gcj02_basemap_are_shifted(client, viewer, town):
    _, plain = outlines(client, viewer, bbox=TOWN_BOX, zoom=18)
    lon, lat = from_wgs84(*xy(0, 0), "gcj02")
    box = from_wgs84(116.389, 39.899, "gcj02") + from_wgs84(116.399, 39.903, "gcj02")
    _, shifted = outlines(client, viewer, bbox=",".join(f"{v:.6f}" for v in box), zoom=18,
                          crs="gcj02")
    a = shifted[town["A"]]
    assert a.bounds[:2] == pytest.approx((lon, lat), abs=1e-5)
    assert a.bounds[0] - plain[town["A"]].bounds[0] > 0.004  # a few hundred metres east


def test_outlines_and_cards_respect_community_limits(client, town, make_user, make_token):
    make_user("v2", "viewer", communities=[COMMUNITY_2])
    headers = bearer(make_token("v2"))
    assert list(outlines(client, headers, bbox=TOWN_BOX, zoom=16)[1]) == [town["D"]]
    assert client.get(f"/api/v1/map/grids/{town['A']}", headers=headers).status_code == 404
    card = get(client, headers, f"/api/v1/map/grids/{town['D']}")
    assert card["code"].startswith(COMMUNITY_2) and card["workers"][0]["name"] == "赵敏"
    assert "private_phone" not in card["workers"][0]


def test_grid_card_for_the_tooltip(client, viewer, town, conn):
    card = get(client, viewer, f"/api/v1/map/grids/{town['A']}")
    assert (card["code"], card["name"], card["community_name"], card["households"]) == \
        (GRID_A, "第一网格", "景山社区", 80)
    assert [w["name"] for w in card["workers"]] == ["李娜", "张伟"]  # the chief first
    old = insert_grid(conn, GRID_A[:-3] + "009", "旧", town["C1"], (0, 0, 1, 1), "2024-01-01")
    assert client.get(f"/api/v1/map/grids/{old}", headers=viewer).status_code == 404


def test_caseload_values_with_natural_breaks(client, viewer, town):
    body = get(client, viewer, "/api/v1/map/caseload", **PERIOD)
    by_id = dict(zip(body["ids"], body["values"]["count"], strict=True))
    assert by_id == {town["A"]: 3, town["B"]: 1, town["C"]: 0, town["D"]: 1}
    assert body["values"]["per_1000"] == [37.5, None, None, 25.0]
    count = body["classes"]["count"]
    assert (count["scheme"], count["min"], count["edges"], count["counts"]) == \
        ("natural_breaks", 0.0, [0.0, 1.0, 3.0], [1, 2, 1])
    assert body["classes"]["per_1000"]["counts"] == [1, 1]  # no households: no class
    assert body["totals"]["count"] == 6


def test_coverage_values(client, viewer, town, conn):
    add_party(conn, town)
    body = get(client, viewer, "/api/v1/map/coverage", distance="150", scheme="quantiles",
               k="3")
    v = dict(zip(body["ids"], zip(body["values"]["serving"], body["values"]["no_member"],
                                  body["values"]["has_branch"], strict=True), strict=True))
    assert v == {town["A"]: (3, False, True), town["B"]: (0, False, False),
                 town["C"]: (0, True, False), town["D"]: (1, False, False)}
    assert body["classes"]["households_per_member"]["scheme"] == "quantiles"


def test_heat_points_add_up_to_the_incidents_of_the_period(client, viewer, town):
    body = get(client, viewer, "/api/v1/map/heat", bbox=TOWN_BOX, zoom=12, **PERIOD)
    assert sum(p[2] for p in body["points"]) == 6  # 7 in May, less the merged one
    assert body["max"] == max(p[2] for p in body["points"])
    lat, lon = body["points"][0][:2]
    assert 39.89 < lat < 39.91 and 116.38 < lon < 116.40


def test_open_points_and_buildings(client, viewer, town, conn):
    add_party(conn, town)
    points = get(client, viewer, "/api/v1/map/open", bbox=TOWN_BOX)["points"]
    assert {p[0] for p in points} >= {town["i3"], town["i4"]}
    shifted = get(client, viewer, "/api/v1/map/open", bbox=TOWN_BOX, crs="gcj02")["points"]
    assert shifted[0][1] - points[0][1] > 0.004
    body = get(client, viewer, "/api/v1/map/buildings", bbox=TOWN_BOX, distance="150")
    flags = {f["properties"]["building_code"]: (f["properties"]["has_group"],
                                                f["properties"]["far"])
             for f in body["features"]}
    assert flags["1101010010010030001"] == (False, True)
    assert flags["1101010010010010001"] == (True, False)
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"


@pytest.mark.parametrize(("path", "query", "param"), [
    ("grids", {"bbox": TOWN_BOX}, "zoom"),
    ("grids", {"bbox": TOWN_BOX, "zoom": "3"}, "zoom"),
    ("grids", {"bbox": TOWN_BOX, "zoom": "x"}, "zoom"),
    ("grids", {"zoom": "12"}, "bbox"),
    ("grids", {"bbox": TOWN_BOX, "zoom": "12", "crs": "bd09"}, "crs"),
    ("caseload", {"scheme": "jenks"}, "scheme"),
    ("caseload", {"k": "20"}, "k"),
    ("coverage", {"distance": "5000"}, "distance"),
    ("heat", {"bbox": TOWN_BOX, "zoom": "12", "from": "x"}, "from"),
    ("open", {"bbox": TOWN_BOX, "limit": "99999"}, "limit"),
    ("buildings", {"bbox": TOWN_BOX, "limit": "0"}, "limit"),
    ("buildings", {"bbox": TOWN_BOX, "zoom": "17"}, "zoom"),
])
def test_bad_parameters_are_400(client, viewer, town, path, query, param):
    answer = client.get(f"/api/v1/map/{path}", query_string=query, headers=viewer)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["details"]["param"] == param


def test_map_data_needs_a_staff_role(client, town, make_user, make_token):
    assert client.get(f"/api/v1/map/grids?bbox={TOWN_BOX}&zoom=12").status_code == 401
    make_user("worker", "member")
    member = bearer(make_token("worker"))
    assert client.get("/api/v1/map/caseload", headers=member).status_code == 403
    assert client.get(f"/api/v1/map/grids?bbox={TOWN_BOX}&zoom=12",
                      headers=member).status_code == 200  # members read grids
