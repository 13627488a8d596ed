"""What a redraw changes: per grid before and after, the building changeset, the incidents.

``before`` and ``after`` are :class:`geo.plans.side.Side` s of one community: normally the
current grids (or the version in force on a day, or another plan) and a plan. Per grid
*code*, each side has households, buildings and residents (buildings by the largest-part
rule), incidents reported in the last 90 days and open incidents (by where they are),
serving party members and active workers (the people of a grid code: publishing carries
them over to the new version of their code). Totals say whether anything is lost or
counted twice: every building of the community is in exactly one grid or in none.
"""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import Connection

from geo.boundaries import moves as boundarymoves
from geo.boundaries.rehome import reassigned
from geo.core.csvcells import safe_row
from geo.plans import side as planside
from geo.plans.side import BuildingFit, Side
from geo.plans.store import sides as store

MEASURES = ("households", "buildings", "residents", "incidents_90d", "open_incidents",
            "party_members", "workers")


def impact(conn: Connection, before: Side, after: Side, snap_meters: float) -> dict:
    """``{"before", "after", "grids", "totals", "buildings_moved", "incidents_moved"}``.

    ``grids``: one row per code of either side with ``status`` (added, removed, redrawn,
    renamed, unchanged) and the measures of each side (None where the side lacks the code).
    ``buildings_moved``: the changeset (building code, from and to grid code, households).
    ``incidents_moved``: open incidents whose grid or worker would change.
    """
    store.time_limit(conn, "60s")
    people = planside.people_by_code(conn, before.community_id)
    fits = {}
    sides = {}
    for key, side in (("before", before), ("after", after)):
        fits[key] = planside.buildings(conn, side)
        sides[key] = _measure(conn, side, fits[key], people)
    grids = _compare(sides["before"], sides["after"])
    moves = _changeset(fits["before"], fits["after"])
    incidents = [m for m in planmoves(conn, after, snap_meters) if m.changed]
    return {"before": before.as_dict(), "after": after.as_dict(), "grids": grids,
            "totals": {k: _totals(sides[k], fits[k]) for k in ("before", "after")},
            "buildings_moved": moves, "incidents_moved": _incidents(conn, incidents)}


def _measure(conn: Connection, side: Side, fits: list[BuildingFit],
             people: dict[str, tuple[int, int]]) -> dict[str, dict]:
    shapes = store.shapes(conn, side)
    counts = planside.incident_counts(conn, side)
    by_id = {s.id: s for s in shapes}
    per_code: dict[str, dict] = {}
    for s in shapes:
        row = per_code.setdefault(s.code, {"name": s.name, "shape": [], "area_m2": 0.0,
                                           **dict.fromkeys(MEASURES, 0)})
        row["shape"].append(s.shape)
        row["area_m2"] += s.area_m2
        recent, open_ = counts.get(s.id, (0, 0))
        row["incidents_90d"] += recent
        row["open_incidents"] += open_
    for code, row in per_code.items():
        row["workers"], row["party_members"] = people.get(code, (0, 0))
    for b in fits:
        if b.grid_id in by_id:
            row = per_code[by_id[b.grid_id].code]
            row["households"] += b.households
            row["residents"] += b.residents
            row["buildings"] += 1
    return per_code


def _compare(before: dict[str, dict], after: dict[str, dict]) -> list[dict]:
    out = []
    for code in sorted(set(before) | set(after)):
        b, a = before.get(code), after.get(code)
        if b is None or a is None:
            status = "added" if b is None else "removed"
        elif sorted(b["shape"]) != sorted(a["shape"]):
            status = "redrawn"
        else:
            status = "renamed" if b["name"] != a["name"] else "unchanged"
        out.append({"code": code, "name": (a or b)["name"], "status": status,
                    "before": _shown(b), "after": _shown(a)})
    return out


def _shown(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"area_m2": round(row["area_m2"], 1), **{k: row[k] for k in MEASURES}}


def _totals(per_code: dict[str, dict], fits: list[BuildingFit]) -> dict:
    unassigned = [b for b in fits if b.grid_id is None]
    return {"grids": len(per_code),
            **{k: sum(r[k] for r in per_code.values())
               for k in ("households", "buildings", "residents", "open_incidents")},
            "buildings_in_no_grid": len(unassigned),
            "households_in_no_grid": sum(b.households for b in unassigned)}


def _changeset(before: list[BuildingFit], after: list[BuildingFit]) -> list[dict]:
    old = {b.id: b.grid_code for b in before}
    moved = reassigned(old, {b.id: b.grid_code for b in after})
    return [{"id": b.id, "code": b.code, "from_grid": old.get(b.id), "to_grid": b.grid_code,
             "households": b.households, "residents": b.residents}
            for b in after if b.id in moved]


def _incidents(conn: Connection, moved: list[boundarymoves.Move]) -> list[dict]:
    ids = {m.assignee_from for m in moved} | {m.assignee_to for m in moved}
    people = {r.id: {"id": r.id, "name": r.name, "role": r.role}
              for r in store.workers(conn, [i for i in ids if i])}
    return [{"id": m.id, "category": m.category, "status": m.status,
             "from_grid": m.code_from, "to_grid": m.code_to, "located": m.state_to,
             "snap_distance_m": None if m.distance_m is None else round(m.distance_m, 1),
             "from_worker": people.get(m.assignee_from), "to_worker": people.get(m.assignee_to),
             "routed_to": m.routed_to} for m in moved]


def planmoves(conn: Connection, after: Side, snap_meters: float) -> list[boundarymoves.Move]:
    """Every open, located incident of the community with its destination among the grids
    of ``after`` (the rule of :mod:`geo.boundaries.moves`)."""
    side, params = store.grids_sql(after)
    return boundarymoves.moves(conn, "l.community_id = :side_cid", params, snap_meters,
                               side=side)


def building_moves(conn: Connection, before: Side, after: Side) -> list[dict]:
    """The changeset with each building's name, address and footprint (GeoJSON)."""
    moved = _changeset(planside.buildings(conn, before), planside.buildings(conn, after))
    extra = {r.id: r for r in store.building_footprints(conn, [m["id"] for m in moved])}
    return [{**m, "name": extra[m["id"]].name, "address": extra[m["id"]].address,
             "geojson": extra[m["id"]].geojson} for m in moved]


CSV_COLUMNS = ("code", "name", "address", "from_grid", "to_grid", "households", "residents")


def moves_csv(moves: list[dict]) -> str:
    """The changeset as CSV (UTF-8 with BOM so that Excel reads the Chinese text)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(("building_code", *CSV_COLUMNS[1:]))
    for m in moves:
        writer.writerow(safe_row(m[c] for c in CSV_COLUMNS))
    return out.getvalue()


def moves_geojson(moves: list[dict]) -> str:
    """The changeset as an RFC 7946 FeatureCollection of building footprints."""
    features = [{"type": "Feature", "id": m["code"], "geometry": json.loads(m["geojson"]),
                 "properties": {c: m[c] for c in CSV_COLUMNS}} for m in moves]
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False)

