"""Writing pandas frames into PostgreSQL with ``COPY ... FROM STDIN``, fast.

:func:`copy_frame` writes a frame whose columns are a table's through the psycopg2
connection under a SQLAlchemy ``Connection``, in chunks, encoding the next chunk while the
server ingests this one. Frames of fixed-width numbers, timestamps and categories go in
PostgreSQL's binary format (:func:`copy_binary`), the others in its text format
(:func:`copy_text`). Both encoders work column by column in numpy, never row by row, and
write a categorical column once per distinct value rather than once per row. Geometry
(a ``geom`` column of shapely objects) travels as hex EWKB with SRID 4326.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

COPY_ROWS = 100_000
_POINT_EWKB = "0101000020E6100000"  # little-endian, Point, has SRID, 4326
_SPECIAL = ("\\", "\t", "\n", "\r")


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
    layout = [("n", ">i2")]
    for i, c in enumerate(fixed):
        layout += [(f"l{i}", ">i4"), (f"v{i}", _BINARY[types[c]])]
    which = pd.factorize(_enum_key(frame[enums]))[0] if enums else np.zeros(len(frame), int)
    order = np.argsort(which, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(which[order])) + 1, len(order)]
    out = [b"PGCOPY\n\xff\r\n\x00" + bytes(8)]  # signature, flags, header extension
    for start, end in zip(starts[:-1], starts[1:], strict=True):
        rows = order[start:end]
        tail = b"".join(_binary_text(frame[c].iloc[rows[0]]) for c in enums)
        out.append(_binary_rows(layout, values, rows, tail, len(frame.columns)))
    return fixed + enums, b"".join(out) + b"\xff\xff"


def _binary_rows(layout: list[tuple[str, str]], values: list[np.ndarray], rows: np.ndarray,
                 tail: bytes, n_columns: int) -> bytes:
    """Binary COPY tuples of ``rows``: their fixed-width ``values``, then the same
    ``tail`` (the encoded categorical fields the rows share) on each."""
    block = np.empty(len(rows), np.dtype(layout + [("tail", f"V{len(tail)}")]))
    block["n"] = n_columns
    for i, v in enumerate(values):
        block[f"l{i}"], block[f"v{i}"] = block[f"v{i}"].itemsize, v[rows]
    block["tail"] = np.void(tail)
    return block.tobytes()


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
