"""Helpers for redraw-plan tests on the town of tests/support/geometries.py.

Community 1 (x 0..4, y 0..2) has grids A (0..2 × 0..2), B (2..4 × 0..1), C (2..4 × 1..2).
"""

from __future__ import annotations

from tests.support.auth import bearer
from tests.support.geometries import COMMUNITY_1, GRID_A, GRID_B, GRID_C, xy

PLANNER = "planner1"


def ring(*points) -> list[list[float]]:
    coords = [list(xy(x, y)) for x, y in points]
    return coords + [coords[0]]


def box(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [ring((x0, y0), (x1, y0), (x1, y1), (x0, y1))]}


def feature(code, name, geometry, fid=None) -> dict:
    out = {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}
    if fid is not None:
        out["id"] = fid
    return out


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


# The town's community 1 redrawn: A shrinks to x 0..1.5, B and C take the rest, split at y=1.
REDRAWN = collection(
    feature(GRID_A, "第一网格", box(0, 0, 1.5, 2)),
    feature(GRID_B, "第二网格", box(1.5, 0, 4, 1)),
    feature(GRID_C, "第三网格", box(1.5, 1, 4, 2)))


def planner_headers(make_user, make_token, communities=()) -> dict:
    make_user(PLANNER, "planner", communities)
    return bearer(make_token(PLANNER))


def new_plan(client, headers, source="current", community=COMMUNITY_1, **extra):
    response = client.post("/api/v1/plans", json={"community": community, "name": "调整方案",
                                                  "source": source, **extra}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json(), response.headers["ETag"]


def put_grids(client, headers, plan_id, etag, body, **query):
    return client.put(f"/api/v1/plans/{plan_id}/grids", json=body, query_string=query,
                      headers={**headers, "If-Match": etag})
