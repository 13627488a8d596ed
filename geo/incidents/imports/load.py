"""Storing a checked file: who imports, what came of it, and the steps in order.

The file streams through in chunks (:func:`geo.incidents.imports.files.chunks`): each is
checked (:mod:`.checks`), located in process where the rule allows
(``geo.places.covering``) and sent to the staging table by binary COPY, so memory holds
one chunk at a time. The set-based steps then run once over the whole file; their SQL
is ``geo.incidents.store.imports``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from geo.core.errors import InvalidInput
from geo.core.params import Box
from geo.incidents import worktime
from geo.incidents.imports import suspects
from geo.incidents.imports.checks import check
from geo.incidents.imports.files import Options, Rows, chunks, estimated_rows
from geo.incidents.intake import URGENT, Rules, calendar, categories
from geo.incidents.store import imports as store
from geo.places import covering


@dataclass(frozen=True)
class Importer:
    """Who imports under which settings: the actor and user of the report events, the
    communities they are limited to (None: all), the routing rules, the service area."""

    actor: str
    rules: Rules
    area: Box | None = None
    user_id: int | None = None
    scope: frozenset[int] | None = None


OUT_OF_SCOPE = "located outside the communities you work in"
# progress(step, rows done, rows in all or None): steps are "read" (rows checked and
# sent so far), "route", "store", "done".
Progress = Callable[[str, int, int | None], None]


@dataclass
class ImportResult:
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0  # external_id already stored: skipped
    rejected: list[tuple[int, str]] = field(default_factory=list)
    located: dict[str, int] = field(default_factory=dict)  # state → rows
    routed: dict[str, int] = field(default_factory=dict)  # routed_to → rows
    flagged: dict[str, int] = field(default_factory=dict)  # boundary, possible_duplicate

    def summary(self, limit: int = 1000) -> dict:
        """As JSON: the counts and the first ``limit`` rejected rows."""
        return {"rows": self.rows, "loaded": self.loaded, "duplicates": self.duplicates,
                **rejected_details(self.rejected, limit), "located": self.located,
                "routed": self.routed, "flagged": self.flagged}


def rejected_details(rejected: list[tuple[int, str]], limit: int) -> dict:
    return {"rejected_count": len(rejected), "rejected_truncated": len(rejected) > limit,
            "rejected": [{"row": row, "reason": why} for row, why in rejected[:limit]]}


class RowsRejected(InvalidInput):
    """Strict mode: some rows were rejected, so nothing was stored."""

    def __init__(self, rejected: list[tuple[int, str]], total: int) -> None:
        super().__init__(f"{len(rejected)} of {total} rows rejected; nothing was imported "
                         "(strict)", details=rejected_details(rejected, 1000))
        self.rejected = rejected


def import_rows(conn: Connection, rows: Rows | Iterable[Rows], who: Importer, *,
                strict: bool = False, now: dt.datetime | None = None,
                progress: Progress | None = None, total: int | None = None) -> ImportResult:
    """Check, locate, route and store ``rows`` (a :class:`Rows` or its chunks) in the
    caller's transaction. ``strict``: any rejected row raises :class:`RowsRejected`
    before anything is stored; any error leaves nothing written."""
    if conn.connection.dbapi_connection.autocommit:
        raise ValueError("import in a transaction (engine.begin()): all rows or none")
    say = progress or (lambda *_: None)
    now = now or dt.datetime.now(dt.UTC)
    result = ImportResult()
    store.create_staging(conn)
    context = _Context(conn, who, now)
    for part in [rows] if isinstance(rows, Rows) else rows:
        _stage_chunk(context, part, result)
        say("read", result.rows, total)
    say("route", result.rows, total)
    _resolve(conn, result)
    _settle_buildings(context)
    store.route(conn, who.rules.params())
    if who.scope is not None:
        result.rejected += [(row, OUT_OF_SCOPE)
                            for row in store.drop_outside_scope(conn, who.scope)]
    result.rejected.sort()
    if strict and result.rejected:
        raise RowsRejected(result.rejected, result.rows)
    say("store", result.rows, total)
    _insert(conn, who, result, _suspects(conn, context, who.rules))
    store.drop_staging(conn)
    say("done", result.rows, total)
    return result


class _Context:
    """What every chunk is checked and located against, read once."""

    def __init__(self, conn: Connection, who: Importer, now: dt.datetime) -> None:
        self.conn, self.who, self.now = conn, who, now
        self.cats = categories(conn)
        self.calendar = calendar(conn, who.rules)
        self._grids: covering.Grids | None = None
        self.points: list[pd.DataFrame] = []  # id, lon, lat, category, at of point rows

    @property
    def grids(self) -> covering.Grids:
        if self._grids is None:
            self._grids = covering.current_grids(self.conn)
        return self._grids


def _stage_chunk(context: _Context, rows: Rows, result: ImportResult) -> None:
    who = context.who
    valid, rejected = check(rows, context.cats, who.area, context.now, who.rules.timezone)
    result.rows += len(rows.fields)
    result.rejected += rejected
    if not len(valid):
        return
    frame = _staged_frame(context, valid)
    store.stage(context.conn, frame)
    point = valid["locate_by"].to_numpy() == "point"
    context.points.append(pd.DataFrame({
        "id": frame["id"].to_numpy()[point], "lon": valid["lon"].to_numpy()[point],
        "lat": valid["lat"].to_numpy()[point],
        "category": valid["category"].to_numpy(object)[point],
        "at": valid["reported_at"].to_numpy()[point]}))


_TEXT = ("external_id", "category", "description", "address", "reporter_name",
         "reporter_phone", "building", "source", "address_key", "locate_by", "route_to")


def _staged_frame(context: _Context, valid: pd.DataFrame) -> pd.DataFrame:
    """The rows as the staging table takes them (binary COPY: typed, no NaN in numbers),
    with their ids, deadlines and, for points, the in-process location."""
    n, cats = len(valid), context.cats
    codes, names = pd.factorize(valid["category"])
    cat = [cats[c] for c in names]
    starts = valid["reported_at"].to_numpy() / 1e6
    working = np.array([c.clock == "working" for c in cat], bool)[codes]
    # An urgent row's limits are shortened by its category's factor (as in intake).
    factor = np.where(valid["priority"].to_numpy(np.int32) == URGENT,
                      np.array([c.urgent_factor for c in cat], float)[codes], 1.0)
    hours = [np.array([getattr(c, f"{k}_hours") for c in cat], float)[codes] * factor
             for k in ("response", "resolve")]
    response, resolve = (worktime.deadlines(starts, h, working, context.calendar)
                         for h in hours)
    point = valid["locate_by"].to_numpy() == "point"
    lon, lat = valid["lon"].to_numpy(float), valid["lat"].to_numpy(float)
    located = covering.locate(context.grids, lon[point], lat[point],
                              context.who.rules.boundary_m) if point.any() else None
    # in_grid: the covering grid where the covered step is settled in process (-1: left
    # to PostGIS); settled: the boundary flag too (no other grid near).
    in_grid, in_community, settled = np.full(n, -1), np.full(n, -1), np.zeros(n, bool)
    if located is not None:
        in_grid[point] = np.where(located.clear, located.grid_id, -1)
        in_community[point] = np.where(located.clear, located.community_id, -1)
        settled[point] = located.settled
    geom = np.full(n, None, object)
    geom[point] = shapely.points(lon[point], lat[point])
    frame = valid.drop(columns=["lon", "lat"]).assign(
        id=store.reserve_ids(context.conn, n),
        route_to=np.array([c.route_to for c in cat], object)[codes],
        priority=valid["priority"].to_numpy(np.int32),
        reported_at=_stamps(valid["reported_at"].to_numpy()),
        due_at=_stamps(np.round(resolve * 1e6)), response_due_at=_stamps(
            np.round(response * 1e6)), in_grid=in_grid.astype(np.int64),
        in_community=in_community.astype(np.int64), settled=settled, geom=geom)
    for name in _TEXT:
        frame[name] = frame[name].astype("string")
    return frame


def _stamps(micros: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(micros.astype(np.int64), unit="us", utc=True))


def _resolve(conn: Connection, result: ImportResult) -> None:
    """Repeats across chunks, rows located by building code or address, stored tickets."""
    result.rejected += [(row, f"external_id {ext!r} repeated in the file (first at row "
                              f"{first})") for row, ext, first in store.drop_repeated(conn)]
    for row, by, code, matches in store.locate_by_building(conn):
        result.rejected.append((row, f"no building with code {code}" if by == "building"
                                else "address matches several buildings; give a building "
                                "code or coordinates" if matches > 1 else "address not found"))
    result.duplicates = store.drop_stored(conn, result.rows)


def _settle_buildings(context: _Context) -> None:
    """Rows located by a building with a grid take that grid (the rule's first branch,
    no PostGIS probe); those with no other grid near their point (``covering.alone``)
    are settled, as points are, and skip the boundary probe too."""
    rows = store.building_points(context.conn)
    context.points.append(rows[["id", "lon", "lat", "category", "at"]])
    rows = rows[rows["grid_id"].to_numpy() >= 0]
    if not len(rows):
        return
    alone = covering.alone(context.grids, rows["lon"].to_numpy(float),
                           rows["lat"].to_numpy(float), rows["grid_id"].to_numpy(np.int64),
                           context.who.rules.boundary_m)
    store.settle(context.conn, pd.DataFrame({
        "id": rows["id"], "in_grid": rows["grid_id"], "in_community": rows["community_id"],
        "settled": alone}))


def _suspects(conn: Connection, context: _Context, rules: Rules) -> np.ndarray:
    """The rows the duplicate rule must look at (:mod:`.suspects`)."""
    rows = pd.concat(context.points, ignore_index=True)
    if not len(rows):
        return np.empty(0, np.int64)
    window = int(rules.duplicate_hours * 3600e6)
    stored = store.open_incidents(conn, int(rows["at"].min()) - window, int(rows["at"].max()))
    return suspects.possible(rows, stored, rules.duplicate_m, rules.duplicate_hours)


def _insert(conn: Connection, who: Importer, result: ImportResult,
            suspect_ids: np.ndarray) -> None:
    store.stats_deferred(conn, True)
    ids, routed = store.insert(conn, who.rules.params(), suspect_ids)
    result.loaded, result.duplicates = len(ids), result.duplicates + routed - len(ids)
    counts = store.write_events(conn, who.actor, who.user_id)
    store.stats_deferred(conn, False)
    store.queue_stats(conn, ids)
    result.located = dict.fromkeys(("covered", "snapped", "out_of_area"), 0)
    result.flagged = {"boundary": 0, "possible_duplicate": 0}
    for state, routed_to, boundary, duplicate, n in counts:
        result.located[state] += n
        result.routed[routed_to] = result.routed.get(routed_to, 0) + n
        result.flagged["boundary"] += n * boundary
        result.flagged["possible_duplicate"] += n * duplicate


def import_file(conn: Connection, data: bytes, opts: Options, name: str, who: Importer,
                **kwargs) -> ImportResult:
    """:func:`chunks` of the file, then :func:`import_rows`."""
    kwargs.setdefault("total", estimated_rows(data, opts))
    return import_rows(conn, chunks(data, opts, name), who, strict=opts.strict, **kwargs)
