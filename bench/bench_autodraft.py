"""Automatic balanced drafts on the city demo: household deviation and time, per community.

Twelve communities: the one whose current grid count is nearest 60, and eleven more
spread over the city by code. Each is drafted with the default band (300–500) and seed 0
(:func:`geo.plans.auto.draft`: partition, grids drawn, codes, measures; nothing is
written). The plain comparison, same run, is the community's current demo grids: their
household deviation ((max − min)/mean, households summed from the buildings) and mean
Polsby–Popper. Target: the draft's deviation below the current grids' for most
communities, and under 10 s for the 60-grid community.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from bench.common import Row, median, timed
from geo.plans import auto as autoplan
from geo.plans import autodraft

COMMUNITIES = 12
TIME_LIMIT_S = 10.0

PICK = """
    WITH counts AS (
        SELECT c.id, c.code, count(*) AS grids FROM communities c
          JOIN grids g ON g.community_id = c.id AND g.valid_to IS NULL
         GROUP BY c.id, c.code),
    nearest AS (SELECT id FROM counts ORDER BY abs(grids - 60), grids DESC, code LIMIT 1),
    spread AS (SELECT id, row_number() OVER (ORDER BY code) AS n, count(*) OVER () AS total
                 FROM counts WHERE id NOT IN (SELECT id FROM nearest))
    SELECT c.id, c.code, c.grids, c.id IN (SELECT id FROM nearest) AS sixty FROM counts c
     WHERE c.id IN (SELECT id FROM nearest)
        OR c.id IN (SELECT id FROM spread WHERE (n - 1) % greatest(total / :others, 1) = 0
                     ORDER BY n LIMIT :others)
     ORDER BY NOT (c.id IN (SELECT id FROM nearest)), c.code
"""

CURRENT = """
    SELECT g.id, coalesce(sum(b.households), 0) AS households,
           4 * pi() * ST_Area(g.geom::geography) / ST_Perimeter(g.geom::geography) ^ 2 AS pp
      FROM grids g LEFT JOIN buildings b ON b.grid_id = g.id
     WHERE g.community_id = :c AND g.valid_to IS NULL GROUP BY g.id
"""


def run(engine: Engine, reps: int) -> list[Row]:
    with engine.connect() as conn:
        picked = conn.execute(text(PICK), {"others": COMMUNITIES - 1}).all()
        rows, beaten = [], 0
        for cid, code, n_grids, sixty in picked:
            current = conn.execute(text(CURRENT), {"c": cid}).all()
            n_buildings = conn.execute(text(
                "SELECT count(*) FROM buildings WHERE community_id = :c"), {"c": cid}).scalar()
            seen: dict = {}

            def draft(cid=cid, code=code, seen=seen) -> None:
                seen["draft"] = autoplan.draft(conn, cid, code)

            times = [timed(draft) for _ in range(max(reps, 1))]
            summary = seen["draft"].summary
            before = autodraft.deviation([r.households for r in current])
            after = summary["deviation"]
            beaten += after < before
            rows.append(_row(code, n_grids, n_buildings, sixty, times, summary, before,
                             sum(r.pp for r in current) / len(current)))
    rows.append(Row(task=f"drafts beating the current grids on deviation ({len(picked)} "
                         "communities)", ours=f"{beaten}/{len(picked)}", plain="-",
                    ratio="-", target=f"> {len(picked) // 2}", ok=beaten > len(picked) // 2))
    return rows


def _row(code: str, n_grids: int, n_buildings: int, sixty: bool, times: list[float],
         summary: dict, before: float, pp_before: float) -> Row:
    after = summary["deviation"]
    households = summary["households"].values()
    ok = after < before and (not sixty or median(times) < TIME_LIMIT_S)
    return Row(
        task=f"auto draft {code} ({n_grids} grids now, {n_buildings:,} buildings)",
        ours=f"{summary['grids']} grids, dev {after:.3f}, PP {summary['compactness']['mean']:.2f}"
             f", {median(times):.2f} s",
        plain=f"current grids: dev {before:.3f}, PP {pp_before:.2f}",
        ratio=f"{before / after:.0f}x lower deviation" if after else "deviation 0",
        target="dev < current" + (f"; < {TIME_LIMIT_S:g} s" if sixty else ""), ok=ok,
        notes=[f"runs {', '.join(f'{t:.2f}' for t in times)} s; households per grid "
               f"{min(households)}–{max(households)}; PP min "
               f"{summary['compactness']['min']:.2f}; multipart {summary['multipart']}; "
               f"band feasible {summary['band']['feasible']}"])
