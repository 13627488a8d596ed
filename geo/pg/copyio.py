"""Writing pandas frames into PostgreSQL with ``COPY ... FROM STDIN``, fast.

:func:`copy_frame` writes a frame whose columns are a table's through the psycopg2
connection under a SQLAlchemy ``Connection`` as one COPY statement, encoding the frame
chunk by chunk on a worker thread while the server ingests the chunks already made.
:func:`encode_frame` and :func:`copy_encoded` are its two halves (encode on the worker,
send from the caller). Frames of numbers, timestamps, text,
categories and geometry go in PostgreSQL's binary format (:func:`copy_binary`), others
in its text format (:func:`copy_text`). Both encoders work column by column in numpy,
never row by row. Geometry (a ``geom`` column of shapely objects) travels as EWKB with
SRID 4326.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

COPY_ROWS = 25_000
_POINT_EWKB = "0101000020E6100000"  # little-endian, Point, has SRID, 4326
_SPECIAL = ("\\", "\t", "\n", "\r")
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension
_BINARY_TRAILER = b"\xff\xff"
_PIECE_BYTES = 32 << 20  # the server takes in a whole COPY message before it parses it


@dataclass
class Encoded:
    """A frame on its way into ``table``: its chunks, each being encoded on a worker."""

    table: str
    binary: bool
    chunks: deque[Future[tuple[list[str], bytes]]]


def copy_frame(conn: Connection, table: str, frame: pd.DataFrame,
               chunk: int = COPY_ROWS) -> None:
    """COPY ``frame`` into ``table``: its columns are the table's, ``geom`` is shapely."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        copy_encoded(conn, encode_frame(conn, table, frame, pool, chunk))


def encode_frame(conn: Connection, table: str, frame: pd.DataFrame, pool: Executor,
                 chunk: int = COPY_ROWS) -> Encoded:
    """Start encoding ``frame`` for COPY into ``table`` on ``pool``, chunk by chunk.

    Parameters
    ----------
    conn : Connection
        Used once, to read the table's column types.
    table : str
        The table; the frame's columns are some of its columns.
    frame : DataFrame
        The rows; a ``geom`` column holds shapely geometries.
    pool : Executor
        Runs the encoding; with one worker, work submitted after this call waits for it.
    chunk : int
        Rows per chunk.

    Returns
    -------
    Encoded
        To pass to :func:`copy_encoded`.
    """
    types = dict(conn.execute(text(_COLUMN_TYPES), {"table": table}).all())
    binary = all(_binary_ok(frame[name], types.get(name, "")) for name in frame.columns)
    encode = partial(copy_binary, types=types) if binary else copy_text

    def part(start: int) -> tuple[list[str], bytes]:
        return encode(frame.iloc[start:start + chunk])

    return Encoded(table, binary, deque(pool.submit(part, start)
                                        for start in range(0, len(frame), chunk)))


def copy_encoded(conn: Connection, encoded: Encoded) -> None:
    """COPY an :func:`encode_frame` result as one statement, each chunk sent when ready.

    The calling thread waits on the server (psycopg2 lets go of the GIL meanwhile), so
    the worker encodes the next chunks while PostgreSQL ingests this one.
    """
    if not encoded.chunks:
        return
    columns, first = encoded.chunks.popleft().result()

    def pieces() -> Iterator[bytes]:
        yield (_BINARY_HEADER if encoded.binary else b"") + first
        while encoded.chunks:
            # All chunks ready, in one piece (up to a limit): each read() needs the GIL,
            # which the worker may hold for a while, and the server is left waiting.
            ready = [encoded.chunks.popleft().result()[1]]
            while (encoded.chunks and encoded.chunks[0].done()
                   and sum(map(len, ready)) < _PIECE_BYTES):
                ready.append(encoded.chunks.popleft().result()[1])
            yield b"".join(ready)
        if encoded.binary:
            yield _BINARY_TRAILER

    options = " WITH (FORMAT binary)" if encoded.binary else ""
    with conn.connection.dbapi_connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {encoded.table} ({', '.join(columns)}) FROM STDIN{options}",
                           _Reader(pieces()))


class _Reader:
    """The file ``copy_expert`` reads from: each ``read()`` is the next piece, whole."""

    def __init__(self, pieces: Iterator[bytes]):
        self._pieces = pieces

    def read(self, size: int = -1) -> bytes:
        return next(self._pieces, b"")


_COLUMN_TYPES = """
    SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
     WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped
"""
# Binary COPY layouts of the fixed-width types a frame may hold (big-endian).
_BINARY = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "boolean": "u1",
           "timestamp with time zone": ">i8"}
_PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")


def _binary_ok(series: pd.Series, pg_type: str) -> bool:
    if _variable(series):
        return (pg_type.startswith("geometry") if series.name == "geom" else
                pg_type == "text" or pg_type.startswith("character varying"))
    return pg_type in _BINARY and series.dtype != object and not series.isna().any()


def _variable(series: pd.Series) -> bool:
    return (series.name == "geom" or isinstance(series.dtype, pd.CategoricalDtype)
            or isinstance(series.dtype, pd.StringDtype))


def copy_binary(frame: pd.DataFrame, types: dict[str, str]) -> tuple[list[str], bytes]:
    """``frame``'s rows as binary COPY tuples (without the file header and trailer).

    Returns the column names in the order written and the data. Rows sharing their
    categorical values are encoded together: their fixed-width columns (no NULLs) and
    those values, the same on each, make one numpy structured array; the variable-width
    columns (text, geometry) are then scattered into the rows,
    one numpy step per column. Nothing is done row by row in Python.
    """
    enums = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    variable = [c for c in frame.columns if _variable(frame[c]) and c not in enums]
    fixed = [c for c in frame.columns if c not in enums and c not in variable]
    values = [_binary_values(frame[c]) for c in fixed]
    layouts = [_BINARY[types[c]] for c in fixed]
    which = pd.factorize(_enum_key(frame[enums]))[0] if enums else np.zeros(len(frame), int)
    order = np.argsort(which, kind="stable")
    parts = []
    for rows in np.split(order, np.flatnonzero(np.diff(which[order])) + 1):
        tail = b"".join(_binary_text(frame[c].iloc[rows[0]]) for c in enums)
        head = _fixed_rows(len(rows), [v[rows] for v in values], layouts,
                           len(frame.columns), tail)
        fields = [_field_bytes(frame[c].iloc[rows]) for c in variable]
        parts.append(_with_fields(head, fields) if fields else head.tobytes())
    return fixed + enums + variable, b"".join(parts)


def _fixed_rows(n_rows: int, values: list[np.ndarray], layouts: list[str], n_columns: int,
                tail: bytes) -> np.ndarray:
    """The start of each row: the column count, fixed-width fields, then ``tail``."""
    layout = [("n", ">i2")]
    for i, dtype in enumerate(layouts):
        layout += [(f"l{i}", ">i4"), (f"v{i}", dtype)]
    rows = np.empty(n_rows, layout + [("tail", f"V{len(tail)}")] * bool(tail))
    rows["n"] = n_columns
    for i, v in enumerate(values):
        rows[f"l{i}"], rows[f"v{i}"] = rows[f"v{i}"].itemsize, v
    if tail:
        rows["tail"] = np.void(tail)
    return rows


def _with_fields(head: np.ndarray, fields: list[tuple[np.ndarray, np.ndarray]]) -> bytes:
    """Rows of ``head`` each followed by its variable-width fields (bytes, lengths)."""
    widths = [np.maximum(lengths, 0) for _, lengths in fields]
    size = head.itemsize + 4 * len(fields) + np.sum(widths, axis=0)
    at = np.cumsum(size) - size
    out = np.empty(int(size.sum()), np.uint8)
    _place(out, at, head.view(np.uint8), np.full(len(head), head.itemsize))
    at += head.itemsize
    for (data, lengths), width in zip(fields, widths, strict=True):
        _place(out, at, lengths.astype(">i4").view(np.uint8), np.full(len(head), 4))
        _place(out, at + 4, data, width)
        at += 4 + width
    return out.tobytes()


def _place(out: np.ndarray, at: np.ndarray, data: np.ndarray, width: np.ndarray) -> None:
    """Write ``data``, pieces of ``width`` bytes laid end to end, at the offsets ``at``."""
    where = np.repeat(at - (np.cumsum(width) - width), width)
    where += np.arange(len(where))
    out[where] = data


def _binary_text(value) -> bytes:
    if pd.isna(value):
        return b"\xff\xff\xff\xff"  # length -1: NULL
    data = str(value).encode()
    return len(data).to_bytes(4, "big") + data


def _binary_values(series: pd.Series) -> np.ndarray:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        stamps = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
        return (stamps - _PG_EPOCH).astype(np.int64)  # microseconds since 2000
    return series.to_numpy()


def _field_bytes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A text or geometry column as (its bytes end to end, bytes per row, -1 for NULL)."""
    if series.name == "geom":
        return _ewkb(series.to_numpy())
    missing = series.isna().to_numpy()
    return _utf8(np.where(missing, "", series.to_numpy(object)), missing)


def _utf8(values: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # One join and one encode for the column; the NUL separators then give the lengths.
    data = np.frombuffer("\x00".join(values.tolist()).encode(), np.uint8)
    ends = np.flatnonzero(data == 0)
    if len(ends) != len(values) - 1:
        raise ValueError("a text value holds a NUL character, which PostgreSQL cannot store")
    lengths = np.diff(ends, prepend=-1, append=len(data)) - 1
    lengths[missing] = -1
    return np.delete(data, ends), lengths


def _ewkb(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EWKB (SRID 4326) of each geometry, as :func:`_utf8` gives text; points directly."""
    present = ~shapely.is_missing(geoms)
    shapes = geoms[present]
    lengths = np.full(len(geoms), -1, np.int64)
    if (shapely.get_type_id(shapes) == 0).all() and not shapely.is_empty(shapes).any():
        data, lengths[present] = _point_ewkb(shapely.get_coordinates(shapes))
        return data, lengths
    wkb = shapely.to_wkb(shapely.set_srid(shapes, 4326), include_srid=True)
    lengths[present] = np.fromiter(map(len, wkb), np.int64, len(wkb))
    return np.frombuffer(b"".join(wkb), np.uint8), lengths


def _point_ewkb(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.empty(len(xy), [("head", "S9"), ("xy", "<f8", 2)])
    rows["head"], rows["xy"] = bytes.fromhex(_POINT_EWKB), xy
    return rows.view(np.uint8), np.full(len(xy), rows.itemsize)


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
        return _point_hex(shapely.get_coordinates(geoms))
    return shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)


def _point_hex(xy: np.ndarray) -> np.ndarray:
    digits = np.frombuffer(np.ascontiguousarray(xy, dtype="<f8").tobytes().hex().encode(),
                           dtype="S32").astype(str)
    return np.strings.add(_POINT_EWKB, digits.astype(np.dtypes.StringDType()))
