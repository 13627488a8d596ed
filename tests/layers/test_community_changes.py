"""Communities (and their streets) redrawn by a layer, now or on a later day, and grids
kept nested in their community of the same date (geo.boundaries.nesting).

    y=2 +-------+-------+-----------+-----------+
        | WEST  | EAST  |  community 2 (no grids: |
        |       |       |  out of area)  *  | community 3
    y=0 +-------+-------+-----------+---+-------+
       x=0     x=1     x=2         3.5  4      6

The redraw moves the border of communities 2 and 3 from x 4 to x 3.5, across the open
out-of-area incident * at x 3.8: ``at=`` before and after the day answer different
communities for that point (lookup, list, download, OGC)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from app.cli.boundaries import apply_due
from geo.boundaries import schedule
from geo.places.assign import assign_incidents
from tests.layers.test_layers import COMMUNITY, EAST, grid_rows, square, write_geojson, xy
from tests.layers.test_layers_cli import invoke, load_town, ok

SECOND, THIRD = "110101001002", "110101002003"  # the third in another street


def _communities(border: float, *, town: bool = False):
    rows = [{"code": SECOND, "name": "二社区", "geometry": square(2, 0, border, 2)},
            {"code": THIRD, "name": "三社区", "street_name": "景山街道",
             "geometry": square(border, 0, 6, 2)}]
    if town:
        rows.insert(0, {"code": COMMUNITY, "name": "景山社区", "households": 800,
                        "geometry": square(0, 0, 2, 2)})
    return rows


def _setup(runner, conn, tmp_path) -> int:
    load_town(runner, tmp_path)
    ok(invoke(runner, "import", "communities",
              write_geojson(tmp_path / "c0.geojson", _communities(4))))
    conn.execute(text("UPDATE community_versions SET valid_from = '2020-01-01'"))
    conn.execute(text("UPDATE grids SET valid_from = '2020-01-01'"))
    lon, lat = xy(3.8, 1)
    incident = conn.execute(text(
        "INSERT INTO incidents (category, geom, source, reported_at, status, priority)"
        " VALUES ('环境卫生', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'patrol', now(),"
        " 'accepted', 2) RETURNING id"), {"lon": lon, "lat": lat}).scalar()
    assign_incidents(conn)
    return incident


def _community_of(conn, incident: int) -> str:
    return conn.execute(text(
        "SELECT c.code FROM incident_locations l JOIN communities c ON c.id = l.community_id"
        " WHERE l.incident_id = :i"), {"i": incident}).scalar()


def _answers(client, day) -> dict:
    """The community of the point at x 3.8 on ``day`` by each reader."""
    lon, lat = xy(3.8, 1)
    box = f"{lon - 1e-6},{lat - 1e-6},{lon + 1e-6},{lat + 1e-6}"
    lookup = client.get(f"/api/v1/lookup?lon={lon}&lat={lat}&at={day}").get_json()
    listed = client.get(f"/api/v1/communities?at={day}&bbox={box}").get_json()
    ogc = client.get(f"/ogc/collections/communities/items?f=json&datetime={day}"
                     f"&bbox={box}").get_json()
    csv = client.get(f"/api/v1/communities.csv?at={day}").data.decode("utf-8-sig")
    third = next(line for line in csv.splitlines() if line.startswith(THIRD))
    return {"lookup": lookup["community"]["code"],
            "list": [f["properties"]["code"] for f in listed["features"]],
            "ogc": [f["id"] for f in ogc["features"]],
            "third_in_download": third}


def test_a_community_redraw_on_a_later_day(runner, app, client, conn, tmp_path):
    incident = _setup(runner, conn, tmp_path)
    assert _community_of(conn, incident) == SECOND
    today = schedule.local_today(app.config["TIMEZONE"])
    day = today + dt.timedelta(days=3)
    path = write_geojson(tmp_path / "c1.geojson", _communities(3.5))
    result = ok(invoke(runner, "import", "communities", path, "--effective", day.isoformat()))
    assert f"scheduled as change 1, in effect from {day.isoformat()}" in result.output
    # until the day: today's communities; asked about the day: the scheduled ones
    before, after = _answers(client, today), _answers(client, day)
    assert (before["lookup"], before["list"], before["ogc"]) == (SECOND, [SECOND], [SECOND])
    assert (after["lookup"], after["list"], after["ogc"]) == (THIRD, [THIRD], [THIRD])
    assert before["third_in_download"] != after["third_in_download"]
    assert _community_of(conn, incident) == SECOND
    # a second pending change of the same community is refused
    again = invoke(runner, "import", "communities", path, "--effective",
                   (day + dt.timedelta(days=1)).isoformat())
    assert again.exit_code != 0 and "cancel it first" in again.output
    with app.app_context():
        assert apply_due(day - dt.timedelta(days=1)) == []
        done = apply_due(day)
    assert [(c["id"], c["kind"], c["updated"]) for c in done] == [(1, "communities", 2)]
    assert done[0]["incidents_moved"] == [
        {"id": incident, "community_from": SECOND, "community_to": THIRD}]
    # the incident follows, with a history entry; the versions start on the day
    assert _community_of(conn, incident) == THIRD
    event = conn.execute(text("SELECT actor, details FROM incident_events"
                              " WHERE incident_id = :i AND action = 'regrid'"),
                         {"i": incident}).one()
    assert event.details["scheduled_change"] == 1 and event.actor.startswith("cli")
    versions = conn.execute(text(
        "SELECT valid_from, valid_to FROM community_versions WHERE code = :c"
        " ORDER BY valid_from"), {"c": SECOND}).all()
    assert [tuple(v) for v in versions] == [(dt.date(2020, 1, 1), day), (day, None)]
    # the day before still answers as it was, now from the recorded versions
    assert _answers(client, day - dt.timedelta(days=1))["lookup"] == SECOND
    assert _answers(client, day)["lookup"] == THIRD


def test_a_scheduled_community_redraw_can_be_cancelled(runner, app, client, conn, tmp_path):
    incident = _setup(runner, conn, tmp_path)
    day = schedule.local_today(app.config["TIMEZONE"]) + dt.timedelta(days=3)
    ok(invoke(runner, "import", "communities",
              write_geojson(tmp_path / "c1.geojson", _communities(3.5)),
              "--effective", day.isoformat()))
    assert "cancelled" in ok(runner.invoke(args=["boundaries", "cancel", "1"])).output
    assert _answers(client, day)["lookup"] == SECOND
    with app.app_context():
        assert apply_due(day) == []
    assert _community_of(conn, incident) == SECOND


def test_a_community_redraw_today_rehomes_out_of_area_incidents(runner, conn, tmp_path):
    incident = _setup(runner, conn, tmp_path)
    result = ok(invoke(runner, "import", "communities",
                       write_geojson(tmp_path / "c1.geojson", _communities(3.5))))
    assert "open out-of-area incidents moved to another community: 1" in result.output
    assert f"incident {incident}: {SECOND} → {THIRD}" in result.output
    assert _community_of(conn, incident) == THIRD


def test_a_community_redraw_leaving_a_grid_outside_is_refused(runner, conn, tmp_path):
    _setup(runner, conn, tmp_path)
    # the town's community shrinks to x 1.5: half of grid EAST would be outside it
    rows = [{"code": COMMUNITY, "name": "景山社区", "geometry": square(0, 0, 1.5, 2)}]
    path = write_geojson(tmp_path / "shrink.geojson", rows)
    refused = invoke(runner, "import", "communities", path)
    assert refused.exit_code != 0
    assert f"{EAST} (" in refused.output and f"outside {COMMUNITY}" in refused.output
    assert conn.execute(text("SELECT ST_XMax(geom) FROM communities WHERE code = :c"),
                        {"c": COMMUNITY}).scalar() > xy(1.9, 0)[0]  # nothing written
    # with --allow-outside it is made, and the grid reported
    done = ok(invoke(runner, "import", "communities", path, "--allow-outside"))
    assert f"grid {EAST}: " in done.output and f"outside community {COMMUNITY}" in done.output


def test_a_grid_import_outside_its_community_is_refused(runner, conn, tmp_path):
    _setup(runner, conn, tmp_path)
    rows = [{"code": EAST, "name": "第二网格", "geometry": square(1, 0, 2.5, 2)}]
    refused = invoke(runner, "import", "grids", write_geojson(tmp_path / "g.geojson", rows))
    assert refused.exit_code != 0 and f"{EAST} (" in refused.output
    # a sliver within the tolerance (50 m²) is not refused: 1 cm past the border
    rows[0]["geometry"] = square(1, 0, 2.0001, 2)
    ok(invoke(runner, "import", "grids", write_geojson(tmp_path / "g2.geojson", rows)))


def test_a_scheduled_grid_import_is_checked_against_the_community_of_its_day(
        runner, app, conn, tmp_path):
    _setup(runner, conn, tmp_path)
    day = schedule.local_today(app.config["TIMEZONE"]) + dt.timedelta(days=3)
    # the town grows east to x 2.5 on the day; a grid reaching x 2.5 fits then, not today
    grown = [{"code": COMMUNITY, "name": "景山社区", "geometry": square(0, 0, 2.5, 2)},
             {"code": SECOND, "name": "二社区", "geometry": square(2.5, 0, 4, 2)}]
    ok(invoke(runner, "import", "communities", write_geojson(tmp_path / "c.geojson", grown),
              "--effective", day.isoformat()))
    rows = [{"code": EAST, "name": "第二网格", "geometry": square(1, 0, 2.5, 2)}]
    path = write_geojson(tmp_path / "g.geojson", rows)
    assert invoke(runner, "import", "grids", path).exit_code != 0
    ok(invoke(runner, "import", "grids", path, "--effective", day.isoformat()))
    with app.app_context():
        done = apply_due(day)
    assert [c["kind"] for c in done] == ["communities", "grids"]
    assert all("error" not in c for c in done)


def test_ogc_datetime_answers_scheduled_grids(runner, app, client, conn, tmp_path):
    _setup(runner, conn, tmp_path)
    today = schedule.local_today(app.config["TIMEZONE"])
    day = today + dt.timedelta(days=3)
    rows = grid_rows()
    rows[0]["geometry"], rows[1]["geometry"] = square(0, 0, 0.7, 2), square(0.7, 0, 2, 2)
    ok(invoke(runner, "import", "grids", write_geojson(tmp_path / "g.geojson", rows),
              "--effective", day.isoformat()))

    def east(query):
        body = client.get(f"/ogc/collections/grids/items?f=json&code={EAST}{query}").get_json()
        return [(f["id"] > 0, round(min(x for x, _ in f["geometry"]["coordinates"][0][0]), 4),
                 f["properties"]["valid_from"], f["properties"]["valid_to"])
                for f in body["features"]]

    now = (True, round(xy(1, 0)[0], 4), "2020-01-01", None)
    assert east("") == [now]
    assert east(f"&datetime={today}") == [(*now[:3], day.isoformat())]
    assert east(f"&datetime={day}") == [(False, round(xy(0.7, 0)[0], 4), day.isoformat(), None)]
    assert [f[0] for f in east(f"&datetime={today}/{day}")] == [True, False]


def _post(client, headers, kind, path, **form):
    with open(path, "rb") as f:
        return client.post(f"/api/v1/layers/{kind}", headers=headers,
                           data={"file": (f, path.name), **form},
                           content_type="multipart/form-data")


def test_the_api_imports_a_communities_layer_on_a_later_day(
        runner, app, client, conn, tmp_path, make_user, make_token):
    from tests.support.auth import bearer

    incident = _setup(runner, conn, tmp_path)
    make_user("planner1", "planner")
    headers = bearer(make_token("planner1"))
    day = schedule.local_today(app.config["TIMEZONE"]) + dt.timedelta(days=3)
    path = write_geojson(tmp_path / "c1.geojson", _communities(3.5))
    answer = _post(client, headers, "communities", path, effective=day.isoformat())
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["scheduled"]["effective"]) == ("scheduled", day.isoformat())
    assert _answers(client, day)["lookup"] == THIRD and _community_of(conn, incident) == SECOND
    # refused: a community that would leave grid EAST outside; a limited account; a kind
    shrink = write_geojson(tmp_path / "s.geojson", [
        {"code": COMMUNITY, "name": "景山社区", "geometry": square(0, 0, 1.5, 2)}])
    refused = _post(client, headers, "communities", shrink)
    assert refused.status_code == 409
    assert [g["code"] for g in refused.get_json()["error"]["details"]["grids"]] == [EAST]
    assert _post(client, headers, "communities", shrink,
                 allow_outside="true").get_json()["grids_outside"][0]["code"] == EAST
    make_user("planner2", "planner", [COMMUNITY])
    assert _post(client, bearer(make_token("planner2")), "communities",
                 path).status_code == 403
    assert _post(client, headers, "buildings", path).status_code == 404
    assert _post(client, headers, "communities", path, effective="2020-01-01").status_code == 400
