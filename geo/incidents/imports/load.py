"""Storing a checked file: who imports, what came of it, and the steps in order.

The SQL of each step is ``geo.incidents.store.imports``; the rows' checks are
:mod:`.checks`, reading the file :mod:`.files`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from geo.core.errors import InvalidInput
from geo.core.params import Box
from geo.incidents.imports.checks import EPOCH, check
from geo.incidents.imports.files import Options, Rows, read
from geo.incidents.intake import Rules, calendar, categories, due_times
from geo.incidents.store import imports as store


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



def import_rows(conn: Connection, rows: Rows, who: Importer, *, strict: bool = False,
                now: dt.datetime | None = None,
                progress: Callable[[str], None] | None = None) -> ImportResult:
    """Check, locate, route and store ``rows`` (from :func:`read`) in the caller's
    transaction. ``strict``: any rejected row raises :class:`RowsRejected` first."""
    if conn.connection.dbapi_connection.autocommit:
        raise ValueError("import in a transaction (engine.begin()): all rows or none")
    say = progress or (lambda _: None)
    cats = categories(conn)
    valid, rejected = check(rows, cats, who.area, now or dt.datetime.now(dt.UTC),
                            who.rules.timezone)
    result = ImportResult(rows=len(rows.fields), rejected=rejected)
    say(f"{result.rows} rows read, {len(rejected)} rejected by the checks")
    store.create_staging(conn)
    if len(valid):
        store.stage(conn, _staged(conn, valid, cats, who.rules))
        result.rejected += _resolve(conn)
        result.duplicates = store.drop_stored(conn)
    store.route(conn, who.rules.params())
    if who.scope is not None:
        result.rejected += [(row, OUT_OF_SCOPE)
                            for row in store.drop_outside_scope(conn, who.scope)]
    result.rejected.sort()
    if strict and result.rejected:
        raise RowsRejected(result.rejected, result.rows)
    say("located and routed; storing")
    _insert(conn, who, result)
    store.drop_staging(conn)
    return result


def _staged(conn: Connection, valid: pd.DataFrame, cats: Mapping, rules: Rules):
    """The rows as the staging table takes them, with their deadlines."""
    rows_cats = [cats[c] for c in valid["category"]]
    reported = [EPOCH + dt.timedelta(microseconds=int(us)) for us in valid["reported_at"]]
    response, resolve = due_times(calendar(conn, rules), rows_cats, reported)
    return valid.assign(
        reported_at=_timestamps(valid["reported_at"].to_numpy()),
        route_to=[c.route_to for c in rows_cats],
        due_at=_timestamps(np.round(resolve * 1e6).astype(np.int64)),
        response_due_at=_timestamps(np.round(response * 1e6).astype(np.int64)))


def _timestamps(micros: np.ndarray) -> np.ndarray:
    """UTC microseconds since 1970 as COPY text (the binary form would need no NULLs)."""
    iso = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return np.char.add(iso, "Z").astype(object)


def _resolve(conn: Connection) -> list[tuple[int, str]]:
    """Locate rows given by building code or address; reject those that cannot be."""
    rejected = []
    for row, by, code, matches in store.locate_by_building(conn):
        rejected.append((row, f"no building with code {code}" if by == "building" else
                         "address matches several buildings; give a building code or "
                         "coordinates" if matches > 1 else "address not found"))
    return rejected


def _insert(conn: Connection, who: Importer, result: ImportResult) -> None:
    ids, routed = store.insert(conn, who.rules.params())
    result.loaded, result.duplicates = len(ids), result.duplicates + routed - len(ids)
    counts = store.write_events(conn, who.actor, who.user_id)
    result.located = dict.fromkeys(("covered", "snapped", "out_of_area"), 0)
    result.flagged = {"boundary": 0, "possible_duplicate": 0}
    for state, routed_to, boundary, duplicate, n in counts:
        result.located[state] += n
        result.routed[routed_to] = result.routed.get(routed_to, 0) + n
        result.flagged["boundary"] += n * boundary
        result.flagged["possible_duplicate"] += n * duplicate


def import_file(conn: Connection, data: bytes, opts: Options, name: str, who: Importer,
                **kwargs) -> ImportResult:
    """:func:`read` then :func:`import_rows`."""
    return import_rows(conn, read(data, opts, name), who, strict=opts.strict, **kwargs)


def write_report(path: str | Path, rows: Rows, rejected: list[tuple[int, str]]) -> None:
    """CSV ``row,reason`` and the row's original columns; UTF-8 with a BOM (Excel)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "reason", *map(str, rows.raw.columns)])
        raw = rows.raw.to_numpy(object)
        writer.writerows([row, why, *raw[row - 1]] for row, why in rejected)
