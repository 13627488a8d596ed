"""Bulk intake of incidents from a hotline CSV export, located on the way in.

The file is read and validated as a whole (pandas), every point is located in process
against the current grids (a shapely STRtree over the points, probed once per grid:
the same rule as ``geo.assign`` — covered, lowest grid code on shared edges), and the
rows are written once, already located, with COPY. Only the points that no grid covers
(usually well under 1 %) go through the SQL rule for snapping and out-of-area. Writing
each row once is what makes this several times faster than loading and then updating.
Python and PostgreSQL work side by side (see :func:`load`): while the server takes in
one table, a worker thread parses the free text, encodes the next rows and locates.

Validation is all-or-nothing: any bad row aborts the load (nothing written) unless
``skip_invalid`` is set, and every rejected row is reported with its row number
(1 = first data line) and reason. Rows whose ``external_id`` is already stored are
skipped as duplicates, so loading the same file twice creates nothing new.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from geo import caseload
from geo.assign import DEFAULT_SNAP_METERS, assign_incidents
from geo.bulk import foreign_keys_checked_once, indexes_rebuilt, transition_triggers_dropped
from geo.copyio import Encoded, copy_encoded, copy_frame, encode_frame
from geo.crs import parse_crs, to_wgs84
from geo.errors import InvalidFile, InvalidInput

SOURCES = ("hotline", "patrol", "resident", "other")
COLUMNS = ("external_id", "category", "description", "address", "source", "priority",
           "reported_at", "lon", "lat")
OPTIONAL = ("external_id", "description", "address")  # empty: NULL (NaN in the frame)
LATER = ("description", "address")  # the costliest to parse, and not validated: see load()


@dataclass
class IngestResult:
    loaded: int = 0
    duplicates: int = 0
    located: dict = field(default_factory=dict)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def read_csv(path: str | Path, *, encoding: str = "utf-8", crs: str | None = None,
             ) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Read and validate an incident CSV; return (valid rows in WGS-84, rejected rows)."""
    frame, rejected, later = _read(path, encoding, crs)
    return (frame if later is None else frame.join(later(frame.index)))[list(COLUMNS)], rejected


def _read(path: str | Path, encoding: str, crs: str | None,
          ) -> tuple[pd.DataFrame, list[tuple[int, str]], Callable | None]:
    """:func:`read_csv`, but the :data:`LATER` columns are left out and parsed only when
    the third value is called with the rows wanted (None: they are in the frame)."""
    data = Path(path).read_bytes()
    has_nul = b"\x00" in data  # rare: then every column is looked at for it at once
    later = None if has_nul else partial(_parse_later, data, encoding)
    frame = _parse(data, path, encoding, skip=LATER if later else ())
    failed, reasons, values = _validate(frame, has_nul)
    bad = failed > 0
    rejected = [(int(i) + 1, reasons[failed[i] - 1]) for i in np.flatnonzero(bad)]
    good = frame[~bad] if bad.any() else frame
    good["source"] = values["source"][~bad]
    good["priority"] = values["priority"][~bad].astype(int)
    reported = values["reported_at"][~bad]
    good["reported_at"] = reported.fillna(pd.Timestamp.now(tz="UTC").as_unit(reported.dt.unit))
    good["lon"], good["lat"] = to_wgs84(values["lon"][~bad], values["lat"][~bad],
                                        parse_crs(crs))
    return good, rejected, later


def _validate(frame: pd.DataFrame, has_nul: bool) -> tuple[np.ndarray, list[str], dict]:
    """(per row: 0 or 1 + the first reason it failed, the reasons, the parsed values).

    Columns of a few distinct values (category, source, priority) are checked once per
    value; comparisons run on numpy arrays, several times faster than on pandas text.
    """
    reasons: list[str] = []
    failed = np.zeros(len(frame), np.int16)

    def reject(mask, reason):
        reasons.append(reason)
        failed[(failed == 0) & np.asarray(mask, bool)] = len(reasons)

    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(float)
    reject(~np.isfinite(lon), "lon is not a number")
    reject(~np.isfinite(lat), "lat is not a number")
    reject((np.abs(lat) > 90) & (np.abs(lon) <= 90), "lat out of range; lon/lat look swapped")
    reject((np.abs(lat) > 90) | (np.abs(lon) > 180), "lon/lat out of range")
    category, names = _distinct(frame["category"])
    reject((names.str.strip() == "").to_numpy()[category], "category is empty")
    reject((names.str.len() > 50).to_numpy()[category], "category longer than 50 characters")
    reject(frame["external_id"].str.len() > 100, "external_id longer than 100 characters")
    source, sources = _distinct(frame["source"])
    sources = sources.replace("", "hotline")
    reject(~sources.isin(SOURCES).to_numpy()[source],
           f"source must be one of {', '.join(SOURCES)}")
    priority, names = _distinct(frame["priority"])
    priority = pd.to_numeric(names.replace("", "2"), errors="coerce").to_numpy()[priority]
    reject(~np.isin(priority, [1, 2, 3]), "priority must be 1, 2 or 3")
    given = frame["reported_at"].to_numpy(object) != ""
    reported = pd.to_datetime(frame["reported_at"].where(given), errors="coerce", utc=True,
                              format="ISO8601")
    reject(reported.isna() & given, "reported_at is not an ISO date")
    if has_nul:  # rare: look for the rows only when the file holds a NUL byte at all
        strings = frame.select_dtypes(exclude="number")
        reject(strings.apply(lambda col: col.str.contains("\x00", regex=False)).any(axis=1),
               "contains a NUL character")
    reject(frame["external_id"].notna() & frame["external_id"].duplicated(keep="first"),
           "external_id repeated in the file")
    return failed, reasons, {"lon": lon, "lat": lat, "priority": priority,
                             "reported_at": reported, "source": sources.to_numpy()[source]}


def _distinct(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(per row: which distinct value, the distinct values) of a text column."""
    codes, names = pd.factorize(column, use_na_sentinel=False)
    return codes, pd.Series(names, dtype=column.dtype)


def _csv(data: bytes, encoding: str, **options) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding=encoding, keep_default_na=False,
                       na_values=dict.fromkeys(OPTIONAL, [""]), **options)


def _parse(data: bytes, path, encoding: str, skip: tuple[str, ...]) -> pd.DataFrame:
    """:data:`COLUMNS` but ``skip``, as text but lon/lat (numbers when they all are)."""
    try:
        names = _csv(data, encoding, nrows=0).columns
        missing = {"category", "lon", "lat"} - set(names)
        if missing:
            raise InvalidFile(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                              f"columns are {', '.join(names)}")
        wanted = [name for name in names if name in COLUMNS and name not in skip]
        try:  # most files: numbers are numbers, parsed natively (several times faster)
            frame = _csv(data, encoding, usecols=wanted,
                         dtype={**dict.fromkeys(COLUMNS, str), "lon": float, "lat": float})
        except ValueError:  # a non-number somewhere: read as text, reject row by row
            frame = _csv(data, encoding, usecols=wanted, dtype=str)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InvalidFile(f"{path}: not a readable {encoding} CSV file ({err})") from None
    for name in set(COLUMNS) - set(skip) - set(frame.columns):
        frame[name] = pd.Series(index=frame.index, dtype="str") if name in OPTIONAL else ""
    return frame[[name for name in COLUMNS if name not in skip]]


def _parse_later(data: bytes, encoding: str, rows: pd.Index) -> pd.DataFrame:
    """The :data:`LATER` columns of ``rows`` (numbered from 0 as in the file). In chunks:
    parsing holds the GIL, which the thread feeding COPY needs now and then."""
    names = [name for name in _csv(data, encoding, nrows=0).columns if name in LATER]
    chunks = _csv(data, encoding, usecols=names, dtype=str, chunksize=100_000)
    columns = pd.concat(chunks).loc[rows] if names else pd.DataFrame(index=rows)
    for name in set(LATER) - set(columns.columns):
        columns[name] = pd.Series(index=rows, dtype="str")
    return columns


def current_grids(conn: Connection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The current grids as arrays (id, community id, shapely polygon), lowest code first."""
    rows = conn.execute(text("SELECT id, community_id, ST_AsBinary(geom) FROM grids"
                             " WHERE valid_to IS NULL ORDER BY code")).all()
    return (np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.int64),
            shapely.from_wkb([bytes(r[2]) for r in rows]))


def locate_in_process(grids: tuple[np.ndarray, np.ndarray, np.ndarray], lon: np.ndarray,
                      lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Locate points by the covered step of the rule (``geo.assign``), without the database.

    Parameters
    ----------
    grids : (ndarray, ndarray, ndarray)
        From :func:`current_grids`.
    lon, lat : ndarray
        WGS-84.

    Returns
    -------
    (ndarray, ndarray)
        Grid id and community id per point; -1 where no grid covers the point.
    """
    ids, communities, polygons = grids
    grid_id = np.full(len(lon), -1, dtype=np.int64)
    community_id = np.full(len(lon), -1, dtype=np.int64)
    if not len(ids) or not len(lon):
        return grid_id, community_id
    # Points are made in batches: making them holds the GIL, which the thread feeding
    # COPY needs now and then. A tree over the points, probed by each (prepared) grid,
    # is the fastest form measured.
    tree = shapely.STRtree(np.concatenate([
        shapely.points(lon[i:i + 50_000], lat[i:i + 50_000]) for i in range(0, len(lon), 50_000)]))
    grid_index, point_index = tree.query(polygons, predicate="covers")
    # Grids come ordered by code, so the lowest grid index covering a point is the grid
    # with the lowest code.
    lowest = np.full(len(lon), len(ids), dtype=np.int64)
    np.minimum.at(lowest, point_index, grid_index)
    chosen_points = np.flatnonzero(lowest < len(ids))
    chosen_grids = lowest[chosen_points]
    grid_id[chosen_points] = ids[chosen_grids]
    community_id[chosen_points] = communities[chosen_grids]
    return grid_id, community_id


# A load this large (and this large a share of the table) rebuilds the incidents'
# secondary indexes instead of maintaining them row by row: building a GiST index over a
# million points takes about 1.5 s, inserting into it row by row several times that.
# Rebuilding the unique index on external ids checks them all again at the end.
_REBUILD_ROWS, _REBUILD_SHARE = 100_000, 0.2
_SECONDARY_INDEXES = {"incidents": ("idx_incidents_geom", "ix_incidents_reported_at",
                                    "uq_incidents_external_id"),
                      "incident_events": ("ix_incident_events_incident_id",),
                      "incident_locations": ("ix_incident_locations_grid_id",)}


def load(conn: Connection, frame: pd.DataFrame, *, snap_meters: float = DEFAULT_SNAP_METERS,
         actor: str = "import", later: Callable | None = None) -> IngestResult:
    """Write validated rows (from ``read_csv``) located, in the caller's transaction.

    ``later``, when given, is called on a worker thread with the frame's index and
    returns the description and address the frame lacks (see :func:`_write`).
    """
    result = IngestResult(located=dict.fromkeys(("covered", "snapped", "out_of_area"), 0))
    frame = _drop_stored_duplicates(conn, frame, result)
    if frame.empty:
        return result
    ids = _reserve_ids(conn, "incidents", len(frame))
    with caseload.deferred(conn, ids):  # the statistics queue a few ranges, not every row
        covered = _write(conn, frame, ids, actor, later)
        rest = ids[~covered].tolist()
        if rest:  # no grid covers these: only the snapping and out-of-area steps
            for state, count in assign_incidents(conn, snap_meters=snap_meters, ids=rest,
                                                 grid_driven=False).items():
                result.located[state] += count
    result.located["covered"] += int(covered.sum())
    result.loaded = len(frame)
    return result


def _write(conn: Connection, frame: pd.DataFrame, ids: np.ndarray, actor: str,
           later: Callable | None) -> np.ndarray:
    """COPY the incidents, their events and the covered points' locations; return which
    points a grid covers. One worker thread makes and encodes the rows, then locates the
    points, while this thread COPYs what is ready and the server builds indexes. When
    foreign keys are checked at the end, the events go in first, while the worker makes
    the incidents' rows."""
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    grids = current_grids(conn)
    events = _event_rows(frame, ids, _reserve_ids(conn, "incident_events", len(ids)), actor)
    rebuild = (len(ids) >= _REBUILD_ROWS
               and len(ids) >= _REBUILD_SHARE * _estimated_rows(conn, "incidents"))
    with ThreadPoolExecutor(max_workers=1) as worker, ExitStack() as checks:
        # The events and locations reference the incidents by the ids written here.
        deferred = all([checks.enter_context(foreign_keys_checked_once(
                            conn, table, written=("incidents",) if table != "incidents" else ()))
                        for table in _SECONDARY_INDEXES])
        events = encode_frame(conn, "incident_events", events, worker)
        rows = worker.submit(_incident_rows, frame, ids, later)
        if deferred:
            _copy(conn, events, rebuild)
        incidents = encode_frame(conn, "incidents", rows.result(), worker,
                                 points=np.column_stack([lon, lat]))
        located = worker.submit(locate_in_process, grids, lon, lat)
        _copy(conn, incidents, rebuild)
        if not deferred:  # each event is checked as it goes in: its incident must be there
            _copy(conn, events, rebuild)
        grid_id, community_id = located.result()
        covered = grid_id >= 0
        locations = _location_rows(ids[covered], grid_id[covered], community_id[covered])
        _copy(conn, encode_frame(conn, "incident_locations", locations, worker), rebuild)
    return covered


def _copy(conn: Connection, encoded: Encoded, rebuild: bool) -> None:
    """COPY the rows; for a large load, with the table's secondary indexes rebuilt after
    it and its statistics triggers out of the way (``load`` queues the ids itself)."""
    table = encoded.table
    with (transition_triggers_dropped(conn, table) if rebuild else nullcontext(),
          indexes_rebuilt(conn, table, _SECONDARY_INDEXES[table] if rebuild else ())):
        copy_encoded(conn, encoded)


def _reserve_ids(conn: Connection, table: str, n: int) -> np.ndarray:
    """``n`` consecutive ids from ``table``'s id sequence, taken in one step."""
    first = conn.execute(text(
        "SELECT setval(s, nextval(s) + :n - 1) - :n + 1"
        " FROM CAST(pg_get_serial_sequence(:t, 'id') AS regclass) s"),
        {"t": table, "n": n}).scalar_one()
    return np.arange(first, first + n, dtype=np.int64)


def _constant(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, np.int8), [value])


def _incident_rows(frame: pd.DataFrame, ids: np.ndarray,
                   later: Callable | None) -> pd.DataFrame:
    rows = frame.drop(columns=["lon", "lat"])
    if later is not None:
        rows = rows.join(later(frame.index))
    return rows.assign(
        id=ids, priority=frame["priority"].to_numpy(np.int32),
        status=_constant("reported", len(ids)))


def _event_rows(frame: pd.DataFrame, ids: np.ndarray, event_ids: np.ndarray,
                actor: str) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({
        "id": event_ids, "incident_id": ids, "at": frame["reported_at"].array,
        "actor": _constant(actor, n), "action": _constant("report", n),
        "to_status": _constant("reported", n)})


def _location_rows(ids: np.ndarray, grid_id: np.ndarray,
                   community_id: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"incident_id": ids, "grid_id": grid_id, "community_id": community_id,
                         "state": _constant("covered", len(ids))})


def _estimated_rows(conn: Connection, table: str) -> float:
    return conn.execute(text("SELECT greatest(reltuples, 0) FROM pg_class"
                             " WHERE oid = CAST(:t AS regclass)"), {"t": table}).scalar_one()


def _drop_stored_duplicates(conn: Connection, frame: pd.DataFrame,
                            result: IngestResult) -> pd.DataFrame:
    with_id = frame["external_id"].notna()
    stored_any = conn.execute(text(
        "SELECT EXISTS (SELECT 1 FROM incidents WHERE external_id IS NOT NULL)")).scalar()
    if not with_id.any() or not stored_any:
        return frame
    conn.exec_driver_sql("DROP TABLE IF EXISTS ingest_ids")
    conn.exec_driver_sql("CREATE TEMP TABLE ingest_ids (external_id text)")
    copy_frame(conn, "ingest_ids", frame.loc[with_id, ["external_id"]])
    stored = {r[0] for r in conn.execute(text(
        "SELECT s.external_id FROM ingest_ids s JOIN incidents i USING (external_id)"))}
    conn.exec_driver_sql("DROP TABLE ingest_ids")
    if not stored:
        return frame
    duplicate = frame["external_id"].isin(stored)
    result.duplicates = int(duplicate.sum())
    return frame[~duplicate]


def ingest_csv(conn: Connection, path: str | Path, *, encoding: str = "utf-8",
               crs: str | None = None, skip_invalid: bool = False,
               snap_meters: float = DEFAULT_SNAP_METERS) -> IngestResult:
    """Read, validate, locate and store a CSV of incidents in the caller's transaction.

    Raises ``InvalidInput`` (nothing written) when a row is invalid and ``skip_invalid``
    is not set; the message gives the count and the first reasons.
    """
    frame, rejected, later = _read(path, encoding, crs)
    if rejected and not skip_invalid:
        first = "; ".join(f"row {row}: {reason}" for row, reason in rejected[:5])
        raise InvalidInput(f"{len(rejected)} invalid row(s), nothing loaded: {first}",
                           details=[{"row": r, "reason": why} for r, why in rejected[:1000]])
    result = load(conn, frame, snap_meters=snap_meters, later=later)
    result.rejected = rejected
    return result
