"""Checking a redraw plan before it is published: what is wrong, where, and how much.

Every finding is ``{kind, severity, codes, size, unit, message, geometry}``: the grid
code(s) it concerns, its size (m², a count, a ratio) and where it is (GeoJSON, WGS-84), so
that a map can draw the list. **Errors block publishing; warnings do not.**

========================= ======== ==========================================================
kind                      severity what
========================= ======== ==========================================================
``overlap``               error    two grids share area (each piece, in m²)
``gap``                   error    community area in no grid (each piece)
``outside``               error    grid area outside the community (each piece)
``sliver``                warning  an overlap, gap or outside piece below ``sliver_m2``
                                   (pieces under 0.1 m² are overlay noise, not reported):
                                   the assignment rule settles those points (lowest code,
                                   snapping), so they do not block
``multipart``             error    a grid in more than one piece (the smaller pieces)
``building_unassigned``   error    a building of the community in no grid
``building_split``        warning  a building across grids (it goes to its largest part)
``households``            warning  households of a grid outside the band (default 300–500);
                                   ``side``: ``below`` or ``above`` it
``compactness``           warning  Polsby–Popper 4πA/P² below ``min_compactness``
``no_worker``             warning  a grid whose code has no active grid worker: its
                                   residents would see no worker once it is published
``code_missing``          error    a grid without a code
``code_duplicate``        error    a code on several grids
``code_pattern``          error    a code not of the national pattern: the community's 12
                                   digits + 3 digits
``empty``                 error    the plan has no grids
========================= ======== ==========================================================

Areas and perimeters are on the spheroid (``geography``), never in degrees; the
overlay itself (union, difference, intersection) is exact in the stored coordinates.
Buildings are measured as publishing will assign them (:mod:`geo.plans.side`).
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, Row

from geo.plans import side as planside
from geo.plans.side import Side
from geo.plans.store import sides as store

ERROR, WARNING = "error", "warning"
MAX_PER_KIND = 500  # findings listed per kind; summary.counts has them all


@dataclass(frozen=True)
class Rules:
    """The configured limits (``PLAN_*`` settings)."""

    households_min: int = 300
    households_max: int = 500
    sliver_m2: float = 50.0
    min_compactness: float = 0.2


# Pieces smaller than this (m², a 30 cm square) are not findings at all: they are the
# floating-point noise of overlays, e.g. where a derived grid edge crosses the community
# outline at a computed point a few nanodegrees off the outline's segment.
NOISE_M2 = 0.1


def check(conn: Connection, side: Side, community_code: str, rules: Rules) -> dict:
    """Check one side (normally a plan) of a community; see the module docstring.

    Returns ``{"ok", "errors", "warnings", "findings", "grids", "summary"}``: ``ok`` is
    true when there is no error; ``grids`` has per grid its households, buildings, area,
    compactness and workers' count.
    """
    store.time_limit(conn, "60s")
    grids = store.grid_measures(conn, side)
    findings = _pieces(store.pieces(conn, side), rules)
    fits = planside.buildings(conn, side, with_geom=True)
    findings += _buildings(fits)
    stats = _grid_stats(grids, fits)
    findings += _households(grids, stats, rules) + _compactness(grids, stats, rules)
    findings += _workers(grids, stats, planside.people_by_code(conn, side.community_id))
    findings += _codes(grids, community_code)
    if not grids:
        findings.append(_finding("empty", ERROR, [], None, None,
                                 "the plan has no grids", None))
    return _report(findings, grids, stats)


def _finding(kind: str, severity: str, codes: list[str], size: float | None,
             unit: str | None, message: str, geojson: str | None, **extra) -> dict:
    return {"kind": kind, "severity": severity, "codes": codes,
            "size": None if size is None else round(size, 3), "unit": unit,
            "message": message, **extra,
            "geometry": json.loads(geojson) if geojson else None}


_PIECE_TEXT = {"overlap": "grids {codes} overlap by {area:.2f} m²",
               "gap": "{area:.2f} m² of the community is in no grid",
               "outside": "grid {codes} has {area:.2f} m² outside the community",
               "multipart": "grid {codes} is in more than one piece; this one is {area:.2f} m²"}


def _pieces(pieces: list[Row], rules: Rules) -> list[dict]:
    out = []
    for kind, codes, area, geojson in pieces:
        if area < NOISE_M2:
            continue
        message = _PIECE_TEXT[kind].format(codes=" and ".join(codes), area=area)
        if kind != "multipart" and area < rules.sliver_m2:
            out.append(_finding("sliver", WARNING, codes, area, "m2",
                                f"sliver ({kind}, below {rules.sliver_m2:g} m²): {message}",
                                geojson, of=kind))
        else:
            out.append(_finding(kind, ERROR, codes, area, "m2", message, geojson))
    return out


def _buildings(fits: list[planside.BuildingFit]) -> list[dict]:
    out = []
    for b in fits:
        if not b.codes:
            out.append(_finding("building_unassigned", ERROR, [], b.households, "households",
                                f"building {b.code} ({b.households} households) is in no "
                                "grid", b.geojson, building=b.code))
        elif len(b.codes) > 1:
            shares = ", ".join(f"{c} {s:.0%}" for c, s in zip(b.codes, b.shares, strict=True))
            out.append(_finding("building_split", WARNING, list(b.codes), b.shares[0], "share",
                                f"building {b.code} is split between grids ({shares}); it "
                                f"goes to {b.codes[0]}", b.geojson, building=b.code,
                                shares=list(b.shares)))
    return out


def _grid_stats(grids: list[dict], fits: list[planside.BuildingFit]) -> dict[int, dict]:
    stats = {g["id"]: {"households": 0, "buildings": 0, "residents": 0} for g in grids}
    for b in fits:
        if b.grid_id in stats:
            s = stats[b.grid_id]
            s["households"] += b.households
            s["residents"] += b.residents
            s["buildings"] += 1
    for g in grids:
        perimeter = g["perimeter_m"] or 0.0
        stats[g["id"]]["compactness"] = (4 * math.pi * g["area_m2"] / perimeter ** 2
                                         if perimeter else 0.0)
    return stats


def _households(grids: list[dict], stats: dict[int, dict], rules: Rules) -> list[dict]:
    out = []
    for g in grids:
        n = stats[g["id"]]["households"]
        if not rules.households_min <= n <= rules.households_max:
            side = "below" if n < rules.households_min else "above"
            out.append(_finding("households", WARNING, [g["code"]], n, "households",
                                f"grid {g['code'] or g['name']} has {n} households, {side} "
                                f"the band {rules.households_min}–{rules.households_max}",
                                g["geojson"], side=side))
    return out


def _compactness(grids: list[dict], stats: dict[int, dict], rules: Rules) -> list[dict]:
    return [_finding("compactness", WARNING, [g["code"]], stats[g["id"]]["compactness"],
                     "polsby_popper",
                     f"grid {g['code'] or g['name']} is not compact: Polsby–Popper "
                     f"{stats[g['id']]['compactness']:.2f} (below {rules.min_compactness:g})",
                     g["geojson"])
            for g in grids if stats[g["id"]]["compactness"] < rules.min_compactness]


def _workers(grids: list[dict], stats: dict[int, dict],
             people: dict[str, tuple[int, int]]) -> list[dict]:
    """Workers serve a grid code (publishing carries them to its new version): a grid
    whose code has none is reported by code and name."""
    out = []
    for g in grids:
        stats[g["id"]]["workers"] = people.get(g["code"], (0, 0))[0]
        if g["code"] and not stats[g["id"]]["workers"]:
            out.append(_finding("no_worker", WARNING, [g["code"]], None, None,
                                f"grid {g['code']} ({g['name']}) has no grid worker: its "
                                "residents would see none", g["geojson"], name=g["name"]))
    return out


def _codes(grids: list[dict], community_code: str) -> list[dict]:
    out = []
    pattern = re.compile(rf"^{re.escape(community_code)}\d{{3}}$")
    counts = Counter(g["code"] for g in grids if g["code"])
    for g in grids:
        code = g["code"]
        if not code:
            out.append(_finding("code_missing", ERROR, [], None, None,
                                f"grid {g['name']!r} has no code", g["geojson"]))
        elif not pattern.match(code):
            out.append(_finding("code_pattern", ERROR, [code], None, None,
                                f"grid code {code!r} is not the community's code "
                                f"{community_code} followed by 3 digits", g["geojson"]))
    for code, n in sorted(counts.items()):
        if n > 1:
            shapes = [json.loads(g["geojson"]) for g in grids if g["code"] == code]
            out.append(_finding("code_duplicate", ERROR, [code], n, "grids",
                                f"grid code {code} is used by {n} grids", None))
            out[-1]["geometry"] = {"type": "GeometryCollection", "geometries": shapes}
    return out


def _report(findings: list[dict], grids: list[dict], stats: dict[int, dict]) -> dict:
    counts = Counter(f["kind"] for f in findings)
    shown: Counter = Counter()
    listed = []
    for f in sorted(findings, key=lambda f: (f["severity"] != ERROR, f["kind"])):
        shown[f["kind"]] += 1
        if shown[f["kind"]] <= MAX_PER_KIND:
            listed.append(f)
    per_grid = [{"id": g["id"], "code": g["code"], "name": g["name"],
                 "area_m2": round(g["area_m2"], 1),
                 "compactness": round(stats[g["id"]]["compactness"], 3),
                 **{k: stats[g["id"]][k]
                    for k in ("households", "buildings", "residents", "workers")}}
                for g in grids]
    errors = sum(f["severity"] == ERROR for f in findings)
    return {"ok": errors == 0, "errors": errors, "warnings": len(findings) - errors,
            "findings": listed, "grids": per_grid,
            "summary": {"counts": dict(counts), "truncated": any(
                n > MAX_PER_KIND for n in counts.values()), **_spread(per_grid)}}


def _spread(per_grid: list[dict]) -> dict:
    """The plan's balance: households deviation (max − min) / mean; compactness spread."""
    households = [g["households"] for g in per_grid]
    compact = [g["compactness"] for g in per_grid]
    if not per_grid:
        return {"grids": 0}
    mean = statistics.fmean(households)
    return {
        "grids": len(per_grid),
        "households": {"min": min(households), "max": max(households),
                       "mean": round(mean, 1), "total": sum(households),
                       "deviation": round((max(households) - min(households)) / mean, 3)
                       if mean else None},
        "compactness": {"min": min(compact), "max": max(compact),
                        "mean": round(statistics.fmean(compact), 3),
                        "stdev": round(statistics.pstdev(compact), 3),
                        "spread": round(max(compact) - min(compact), 3)},
    }
