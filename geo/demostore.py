"""Loading a generated demo city (``geo.demo``) into PostGIS, in the caller's transaction.

Every table is written with ``COPY ... FROM STDIN`` through the psycopg2 connection under
the SQLAlchemy ``Connection``: a million incidents go in within seconds, where row-by-row
INSERTs would take minutes. Frames of numbers, timestamps and categories (the incident
history) use the binary format, the others text. Ids come from the frames, so the id
sequences are moved past them afterwards. Geometry travels as hex EWKB with SRID 4326,
which PostGIS reads straight into its typed columns (and checks against ``ST_IsValid``).

After the COPY the project's assignment core (``geo.assign``) places buildings and
incidents; the generator pre-fills where it put them, so the assignment only rewrites the
few rows where the rule disagrees (a building straddling an edge, an incident jittered
across one) instead of every row.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from geo.assign import assign_buildings, assign_incidents
from geo.demo import TABLES

# What --replace empties: the city and everything hanging off it (users stay).
DEMO_TABLES = ("incident_events", "incident_locations", "party_members", "party_orgs",
               "incidents", "grid_members", "buildings", "plan_grids", "plans", "grids",
               "communities")
COPY_ROWS = 100_000
_POINT_EWKB = "0101000020E6100000"  # little-endian, Point, has SRID, 4326
_SPECIAL = ("\\", "\t", "\n", "\r")

Progress = Callable[[str], None]
Item = TypeVar("Item")


@dataclass
class LoadReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    buildings_reassigned: int = 0
    incidents: dict[str, int] = field(default_factory=dict)
    assignees_changed: int = 0


def has_communities(conn: Connection) -> bool:
    """True when the database holds a city already (any community)."""
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM communities)")).scalar())


def clear(conn: Connection) -> None:
    """Empty :data:`DEMO_TABLES` (and restart their ids)."""
    conn.execute(text(f"TRUNCATE {', '.join(DEMO_TABLES)} RESTART IDENTITY CASCADE"))


def load(conn: Connection, tables: Iterable[tuple[str, pd.DataFrame]], *,
         snap_meters: float = 50.0, progress: Progress | None = None) -> LoadReport:
    """COPY the generated tables, then let ``geo.assign`` place buildings and incidents.

    Parameters
    ----------
    conn : Connection
        In a transaction; the tables must be empty (ids come from the frames).
    tables : iterable of (str, DataFrame)
        ``DemoCity.tables()`` or :func:`geo.demo.iter_tables`, in that order. The next
        pair is asked for (in a worker thread) while this one is being written, so with
        ``iter_tables`` the incidents are drawn while buildings are being assigned.
    snap_meters : float
        Passed to :func:`geo.assign.assign_incidents`.
    progress : callable, optional
        Called with one line of text per step.

    Returns
    -------
    LoadReport
        Rows per table, seconds per step and what the assignment changed.
    """
    say = progress or (lambda _line: None)
    report = LoadReport()
    # Loading a city takes longer than the web requests' statement timeout allows.
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    every = [*TABLES, "incident_locations"]
    with _timed(report, "drop keys"):
        indexes, foreign_keys = _drop_keys(conn, every)
    places = list(TABLES[:TABLES.index("incidents")])
    loaded: list[str] = []
    finished: list[str] = []
    for table, frame in _ahead(iter(tables), report):
        with _timed(report, f"copy {table}"):
            copy_frame(conn, table, frame)
        loaded.append(table)
        report.rows[table] = len(frame)
        say(f"{table}: {len(frame):,} rows ({report.seconds[f'copy {table}']:.1f} s)")
        if loaded == places:  # index and assign them while the incidents are being drawn
            _finish_tables(conn, indexes, places, report, say)
            finished = places
            _assign_buildings(conn, report, say)
    _finish_tables(conn, indexes, [t for t in every if t not in finished], report, say)
    if not finished:  # the tables came in another order
        _assign_buildings(conn, report, say)
    _assign_incidents(conn, report, snap_meters, say)
    with _timed(report, "foreign keys"):
        for ddl in foreign_keys:
            conn.execute(text(ddl))
    say(f"foreign keys checked ({report.seconds['foreign keys']:.1f} s)")
    return report


def _ahead(items: Iterator[Item], report: LoadReport) -> Iterator[Item]:
    """``items``, each next one made in a worker thread while the caller uses this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(next, items, None)
        while True:
            with _timed(report, "waiting for the generator"):
                item = future.result()
            if item is None:
                return
            future = pool.submit(next, items, None)
            yield item


def _finish_tables(conn: Connection, indexes: dict[str, list[str]], tables: list[str],
                   report: LoadReport, say: Progress) -> None:
    """Recreate the indexes of freshly loaded ``tables``, move their id sequences past
    the loaded ids and give them statistics."""
    start = time.perf_counter()
    with _timed(report, "indexes"):
        for table in tables:
            for ddl in indexes.pop(table, []):
                conn.execute(text(ddl))
            if table in TABLES:
                _move_sequence(conn, table)
            conn.execute(text(f"ANALYZE {table}"))  # fresh statistics for the joins below
    say(f"indexes rebuilt ({time.perf_counter() - start:.1f} s)")


def _assign_buildings(conn: Connection, report: LoadReport, say: Progress) -> None:
    with _timed(report, "assign buildings"):
        report.buildings_reassigned = assign_buildings(conn)
        _recount_households(conn)
    say(f"buildings assigned: {report.buildings_reassigned:,} moved by the largest-part rule "
        f"({report.seconds['assign buildings']:.1f} s)")


def _assign_incidents(conn: Connection, report: LoadReport, snap_meters: float,
                      say: Progress) -> None:
    with _timed(report, "assign incidents"):
        report.incidents = assign_incidents(conn, snap_meters=snap_meters)
        conn.execute(text("ANALYZE incident_locations"))
    say("incidents located: " + ", ".join(f"{k} {v:,}" for k, v in report.incidents.items())
        + f" ({report.seconds['assign incidents']:.1f} s)")
    with _timed(report, "assignees"):
        report.assignees_changed = _fix_assignees(conn)
    say(f"assignees corrected: {report.assignees_changed:,} "
        f"({report.seconds['assignees']:.1f} s)")


# Bulk loading the way pg_restore does it: without foreign keys (each checked row would
# lock its parent row: a million incidents' events would rewrite every incident) and
# without secondary indexes (one sorted build is several times cheaper than a million
# inserts into a GiST). Both are read from the catalog and put back, exactly as they
# were, inside the same transaction; re-adding a foreign key validates every row at once.
_FOREIGN_KEYS = """
    SELECT conrelid::regclass::text AS tbl, quote_ident(conname) AS name,
           pg_get_constraintdef(oid) AS ddl
      FROM pg_constraint
     WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[]))
"""
_INDEXES = """
    SELECT indrelid::regclass::text AS tbl, indexrelid::regclass::text AS name,
           pg_get_indexdef(indexrelid) AS ddl
      FROM pg_index i
     WHERE indrelid = ANY(CAST(:tables AS regclass[]))
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def _drop_keys(conn: Connection, tables: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Drop the foreign keys and the indexes not behind a constraint of ``tables``; return
    the statements that recreate them (the indexes by table)."""
    params = {"tables": tables}
    foreign_keys = conn.execute(text(_FOREIGN_KEYS), params).all()
    indexes = conn.execute(text(_INDEXES), params).all()
    for fk in foreign_keys:
        conn.execute(text(f"ALTER TABLE {fk.tbl} DROP CONSTRAINT {fk.name}"))
    for index in indexes:
        conn.execute(text(f"DROP INDEX {index.name}"))
    by_table: dict[str, list[str]] = {}
    for index in indexes:
        by_table.setdefault(index.tbl, []).append(index.ddl)
    restore = [f"ALTER TABLE {fk.tbl} ADD CONSTRAINT {fk.name} {fk.ddl}" for fk in foreign_keys]
    return by_table, restore


# Households follow the buildings' final grids, so a grid's count is the sum of what
# geo.assign put in it (a straddling building counts in the grid with its largest part).
_RECOUNT = """
    UPDATE {table} t SET households = s.households
      FROM (SELECT {key} AS id, sum(households)::int AS households
              FROM buildings WHERE {key} IS NOT NULL GROUP BY {key}) s
     WHERE t.id = s.id AND t.households IS DISTINCT FROM s.households
"""

# Dispatched work belongs to the 专职 worker of the grid the incident was located in; the
# generator guessed from the building it drew the point near. Only differing rows are
# written: rewriting a million wide incident rows costs several seconds.
_ASSIGNEES = """
    UPDATE incidents i SET assignee_id = m.id
      FROM incident_locations l
      LEFT JOIN grid_members m ON m.grid_id = l.grid_id AND m.role = 'full_time'
     WHERE l.incident_id = i.id
       AND i.status NOT IN ('reported', 'accepted', 'rejected')
       AND i.assignee_id IS DISTINCT FROM m.id
"""


def _recount_households(conn: Connection) -> None:
    for table, key in (("grids", "grid_id"), ("communities", "community_id")):
        conn.execute(text(_RECOUNT.format(table=table, key=key)))


def _fix_assignees(conn: Connection) -> int:
    return conn.execute(text(_ASSIGNEES)).rowcount


def _move_sequence(conn: Connection, table: str) -> None:
    # The COPY set ids explicitly; the next INSERT must not collide with them.
    conn.execute(text(f"""
        SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                      COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"""))


def copy_frame(conn: Connection, table: str, frame: pd.DataFrame,
               chunk: int = COPY_ROWS) -> None:
    """COPY ``frame`` into ``table``: its columns are the table's, ``geom`` is shapely."""
    types = dict(conn.execute(text(_COLUMN_TYPES), {"table": table}).all())
    binary = all(_binary_ok(frame[name], types.get(name, "")) for name in frame.columns)
    options = " WITH (FORMAT binary)" if binary else ""

    def encode(start: int) -> tuple[list[str], bytes]:
        part = frame.iloc[start:start + chunk]
        return copy_binary(part, types) if binary else copy_text(part)

    if frame.empty:
        return
    cursor = conn.connection.dbapi_connection.cursor()
    # The next chunk is encoded while PostgreSQL ingests this one (psycopg2 lets go of
    # the GIL while it waits), so Python and the server work side by side.
    with cursor, ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(encode, 0)
        for start in range(0, len(frame), chunk):
            columns, block = pending.result()
            if start + chunk < len(frame):
                pending = pool.submit(encode, start + chunk)
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN{options}",
                               io.BytesIO(block), size=1 << 20)


_COLUMN_TYPES = """
    SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
     WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped
"""
# Binary COPY layouts of the fixed-width types a demo frame holds (big-endian).
_BINARY = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "boolean": "u1",
           "timestamp with time zone": ">i8"}
_PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")


def _binary_ok(series: pd.Series, pg_type: str) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return pg_type == "text" or pg_type.startswith("character varying")
    return pg_type in _BINARY and series.dtype != object and not series.isna().any()


def copy_binary(frame: pd.DataFrame, types: dict[str, str]) -> tuple[list[str], bytes]:
    """``frame`` in PostgreSQL's binary COPY format, for frames of fixed-width columns
    (no NULLs) and categorical text columns: rows sharing their categorical values have
    the same layout, so each such group is one numpy structured array."""
    enums = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    fixed = [c for c in frame.columns if c not in enums]
    values = [_binary_values(frame[c]) for c in fixed]
    which = pd.factorize(_enum_key(frame[enums]))[0] if enums else np.zeros(len(frame), int)
    order = np.argsort(which, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(which[order])) + 1, len(order)]
    out = [b"PGCOPY\n\xff\r\n\x00" + bytes(8)]  # signature, flags, header extension
    for start, end in zip(starts[:-1], starts[1:], strict=True):
        rows = order[start:end]
        tail = b"".join(_binary_text(frame[c].iloc[rows[0]]) for c in enums)
        layout = [("n", ">i2")]
        for i, c in enumerate(fixed):
            layout += [(f"l{i}", ">i4"), (f"v{i}", _BINARY[types[c]])]
        block = np.empty(len(rows), np.dtype(layout + [("tail", f"V{len(tail)}")]))
        block["n"] = len(frame.columns)
        for i, v in enumerate(values):
            block[f"l{i}"], block[f"v{i}"] = block[f"v{i}"].itemsize, v[rows]
        block["tail"] = np.void(tail)
        out.append(block.tobytes())
    return fixed + enums, b"".join(out) + b"\xff\xff"


def _binary_values(series: pd.Series) -> np.ndarray:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        stamps = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
        return (stamps - _PG_EPOCH).astype(np.int64)  # microseconds since 2000
    return series.to_numpy()


def _binary_text(value) -> bytes:
    if pd.isna(value):
        return b"\xff\xff\xff\xff"  # length -1: NULL
    data = str(value).encode()
    return len(data).to_bytes(4, "big") + data


def copy_text(frame: pd.DataFrame) -> tuple[list[str], bytes]:
    """``frame`` in PostgreSQL's COPY text format (tab-separated, ``\\N`` for NULL).

    Returns the column names in the order written and the data. Categorical columns go
    last, written as one piece per combination of their values: a million rows of a few
    statuses and categories cost one lookup each instead of one string per cell.
    """
    enums = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    plain = [c for c in frame.columns if c not in enums]
    cells = [_column_text(frame[name]) for name in plain]
    if enums:
        cells.append(_enum_text(frame[enums]))
    line = _joined(cells, "\t")
    return plain + enums, ("\n".join(line.tolist()) + "\n").encode()


def _joined(columns: list[np.ndarray], sep: str) -> np.ndarray:
    # Pairwise, so each character is copied log2(columns) times rather than once per column.
    while len(columns) > 1:
        pairs = [np.strings.add(np.strings.add(a, sep), b)
                 for a, b in zip(columns[::2], columns[1::2], strict=False)]
        columns = pairs + columns[len(pairs) * 2:]
    return columns[0]


def _enum_text(frame: pd.DataFrame) -> np.ndarray:
    """Categorical columns joined by tabs, built once per distinct row of their codes."""
    which = pd.factorize(_enum_key(frame))[0]
    first = frame.iloc[np.unique(which, return_index=True)[1]]
    texts = [_column_text(first[name].astype(object)) for name in frame.columns]
    return _joined(texts, "\t")[which]


def _enum_key(frame: pd.DataFrame) -> np.ndarray:
    """One integer per row that differs exactly when some categorical value differs."""
    key = np.zeros(len(frame), np.int64)
    for name in frame.columns:
        key = key * (len(frame[name].cat.categories) + 1) + frame[name].cat.codes.to_numpy() + 1
    return key


def _column_text(series: pd.Series) -> np.ndarray:
    """One column as a numpy ``StringDType`` array of COPY text fields."""
    string = np.dtypes.StringDType()
    if series.name == "geom":
        return np.asarray(_ewkb_hex(series.to_numpy()), dtype=string)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return _timestamp_text(series)
    if series.dtype == bool:
        return np.where(series.to_numpy(), "t", "f").astype(string)
    missing = series.isna().to_numpy()
    if pd.api.types.is_integer_dtype(series.dtype):
        out = series.fillna(0).to_numpy(np.int64).astype(string)
    elif pd.api.types.is_float_dtype(series.dtype):
        out = series.fillna(0).to_numpy(np.float64).astype(string)
    else:
        out = _escaped(series.to_numpy(object), missing)
    return np.where(missing, "\\N", out).astype(string) if missing.any() else out


def _timestamp_text(series: pd.Series) -> np.ndarray:
    """UTC timestamps as 'YYYY-MM-DD HH:MM:SS+00', from a date table and a time table."""
    string = np.dtypes.StringDType()
    seconds = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
    missing = np.isnat(seconds)
    epoch = np.where(missing, 0, seconds.astype(np.int64))
    day, second = np.divmod(epoch, 86400)
    first = day[~missing].min() if (~missing).any() else 0
    dates = np.arange(first, day.max() + 1).astype("datetime64[D]")
    date_text = np.strings.add(np.datetime_as_string(dates).astype(string), " ")
    out = np.strings.add(date_text[np.maximum(day - first, 0)], _times_of_day()[second])
    return np.where(missing, "\\N", out).astype(string) if missing.any() else out


@cache
def _times_of_day() -> np.ndarray:
    return np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00"
                     for s in range(86400)]).astype(np.dtypes.StringDType())


def _escaped(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    values = np.where(missing, "", values).astype(np.dtypes.StringDType())
    joined = "\x00".join(values.tolist())  # one cheap scan instead of four per column
    for char in _SPECIAL:
        if char in joined:
            values = np.strings.replace(values, char, "\\" + {"\t": "t", "\n": "n",
                                                             "\r": "r"}.get(char, "\\"))
    return values


def _ewkb_hex(geoms: np.ndarray) -> np.ndarray:
    """Hex EWKB (SRID 4326) of each geometry; points are encoded directly, much faster."""
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all():
        xy = np.ascontiguousarray(shapely.get_coordinates(geoms), dtype="<f8")
        digits = np.frombuffer(xy.tobytes().hex().encode(), dtype="S32").astype(str)
        return np.strings.add(_POINT_EWKB, digits.astype(np.dtypes.StringDType()))
    return shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)


@contextmanager
def _timed(report: LoadReport, step: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    report.seconds[step] = report.seconds.get(step, 0.0) + time.perf_counter() - start
