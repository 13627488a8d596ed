"""Building-based editing: which grid code a plan puts each building in.

A plan can be edited as "building → grid code" assignments (buildings are the units, as in
Districtr); :mod:`geo.plans.derive` then draws grids that follow them. An assignment stated
for a building is kept in ``plan_buildings``; a building without one is where the plan's
grids put it (the largest-part rule), so a planner may move a few buildings and derive.

CSV, UTF-8 (a BOM is fine) or GBK: a header row with ``building_code`` and ``grid_code``
(``building``/``grid`` also accepted); other columns are ignored, so an export can be
edited in a spreadsheet and imported again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from geo.core.csvcells import safe_row
from geo.core.errors import InvalidInput
from geo.plans import side
from geo.plans.side import Side
from geo.plans.store import drafts as plan_store

MAX_ROWS = 100_000
SHOWN_PROBLEMS = 50
EXPORT_COLUMNS = ("building_code", "grid_code", "assigned", "name", "address", "households")
_BUILDING = re.compile(r"^\d{19}$")


def grid_code_ok(code: str, community_code: str) -> bool:
    """A grid code of this community: its 12 digits and 3 more.

    >>> grid_code_ok("110101001001007", "110101001001"), grid_code_ok("1101", "110101001001")
    (True, False)
    """
    return bool(re.fullmatch(rf"{re.escape(community_code)}\d{{3}}", code))


def parse_csv(data: bytes, encoding: str | None = None) -> list[tuple[int, str, str]]:
    """``(row number, building code, grid code)`` of an assignments CSV (rows from 2)."""
    if encoding not in (None, "utf-8", "gbk"):
        raise InvalidInput("'encoding' must be utf-8 or gbk", param="encoding")
    try:
        body = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV is not UTF-8; send encoding=gbk if it is GBK",
                           param="encoding") from None
    reader = csv.reader(io.StringIO(body.lstrip("\ufeff"), newline=""))
    try:
        return _assignment_rows(reader)
    except csv.Error as err:
        raise InvalidInput(f"the CSV cannot be read: {err}", param="file") from None


def _assignment_rows(reader) -> list[tuple[int, str, str]]:
    header = [h.strip().lower() for h in next(reader, [])]
    columns = [_column(header, ("building_code", "building")),
               _column(header, ("grid_code", "grid"))]
    out = []
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} rows", param="file")
        if not any(cell.strip() for cell in row):
            continue
        values = [row[c].strip() if c < len(row) else "" for c in columns]
        out.append((n, values[0], values[1]))
    return out


def _column(header: Sequence[str], names: Iterable[str]) -> int:
    for name in names:
        if name in header:
            return header.index(name)
    raise InvalidInput(f"the CSV has no {' or '.join(names)} column; its header: "
                       f"{', '.join(header) or '(empty)'}", param="file")


def from_json(body) -> list[tuple[int, str, str]]:
    """``{"assignments": [{"building": CODE, "grid": CODE}, ...]}`` as parsed rows."""
    items = body.get("assignments") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise InvalidInput('send {"assignments": [{"building": CODE, "grid": CODE}, ...]}',
                           param="assignments")
    if len(items) > MAX_ROWS:
        raise InvalidInput(f"more than {MAX_ROWS} assignments", param="assignments")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) - {"building", "grid"}:
            raise InvalidInput(f"assignment {i} must be {{\"building\": CODE, \"grid\": CODE}}",
                               param="assignments")
        out.append((i, str(item.get("building") or ""), str(item.get("grid") or "")))
    return out


def resolve(conn: Connection, rows: Sequence[tuple[int, str, str]], community_id: int,
            community_code: str) -> list[tuple[int, str]]:
    """``(building id, grid code)`` for parsed rows; every bad row is named, none kept.

    A row with a blank grid code states nothing (the building stays where the plan's grids
    put it), so an export with buildings in no grid can be imported again.
    """
    rows = [r for r in rows if r[2]]
    problems = []
    for n, building, grid in rows:
        if not _BUILDING.match(building):
            problems.append({"row": n, "building": building[:40],
                             "reason": "building code must be 19 digits"})
        elif not grid_code_ok(grid, community_code):
            problems.append({"row": n, "building": building, "reason":
                             f"grid code {grid[:40]!r} is not {community_code} + 3 digits"})
    codes = [b for _, b, _ in rows]
    found = plan_store.building_ids(conn, codes, community_id)
    seen: dict[str, int] = {}
    for n, building, _ in rows:
        if _BUILDING.match(building) and building not in found:
            problems.append({"row": n, "building": building,
                             "reason": "no building with this code in the community"})
        elif building in seen:
            problems.append({"row": n, "building": building,
                             "reason": f"building listed twice (also row {seen[building]})"})
        seen.setdefault(building, n)
    if problems:
        problems.sort(key=lambda p: p["row"])
        raise InvalidInput(f"{len(problems)} of {len(rows)} assignments are wrong; nothing was "
                           f"stored. First: row {problems[0]['row']}: {problems[0]['reason']}",
                           param="assignments", details={"problems": problems[:SHOWN_PROBLEMS],
                                                         "count": len(problems)})
    return [(found[b], g) for _, b, g in rows]


def store(conn: Connection, plan_id: int, pairs: Sequence[tuple[int, str]], *,
          replace: bool) -> int:
    """Write assignments (replacing all of the plan's, or only the buildings given)."""
    return plan_store.store_assignments(conn, plan_id, pairs, replace=replace)


def effective(conn: Connection, plan_id: int, community_id: int) -> list[dict]:
    """Every building of the community with the grid code the plan puts it in: its stated
    assignment, else the plan grid holding its largest part, else none (``drawn``: the
    plan grid holding its largest part, whatever is stated)."""
    stated = plan_store.stated_assignments(conn, plan_id)
    fits = side.buildings(conn, Side(community_id, plan_id=plan_id))
    extra = plan_store.building_labels(conn, community_id)
    return [{"id": b.id, "building_code": b.code,
             "grid_code": stated.get(b.id, b.grid_code), "assigned": b.id in stated,
             "drawn": b.grid_code,
             "name": extra[b.id].name, "address": extra[b.id].address,
             "households": b.households} for b in fits]


def to_csv(rows: Sequence[dict]) -> str:
    """Assignments as CSV (UTF-8 with BOM for Excel); importable again as it is."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        writer.writerow(safe_row(str(r[c]).lower() if isinstance(r[c], bool) else r[c]
                                 for c in EXPORT_COLUMNS))
    return out.getvalue()
