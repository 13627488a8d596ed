"""Bulk intake of incidents from a hotline CSV export, located on the way in.

The file is read and validated as a whole (pandas), every point is located in process
against the current grids (a shapely STRtree over the points, probed once per grid:
the same rule as ``geo.assign`` — covered, lowest grid code on shared edges), and the
rows are written once, already located, with COPY. Only the points that no grid covers
(usually well under 1 %) go through the SQL rule for snapping and out-of-area. Writing
each row once is what makes this several times faster than loading and then updating.

Validation is all-or-nothing: any bad row aborts the load (nothing written) unless
``skip_invalid`` is set, and every rejected row is reported with its row number
(1 = first data line) and reason. Rows whose ``external_id`` is already stored are
skipped as duplicates, so loading the same file twice creates nothing new.
"""

from __future__ import annotations

import io
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from geo.assign import DEFAULT_SNAP_METERS, assign_incidents
from geo.bulk import foreign_keys_checked_once, indexes_rebuilt
from geo.copyio import copy_frame
from geo.crs import parse_crs, to_wgs84
from geo.errors import InvalidFile, InvalidInput

SOURCES = ("hotline", "patrol", "resident", "other")
COLUMNS = ("external_id", "category", "description", "address", "source", "priority",
           "reported_at", "lon", "lat")


@dataclass
class IngestResult:
    loaded: int = 0
    duplicates: int = 0
    located: dict = field(default_factory=dict)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def read_csv(path: str | Path, *, encoding: str = "utf-8", crs: str | None = None,
             ) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Read and validate an incident CSV; return (valid rows in WGS-84, rejected rows)."""
    data = Path(path).read_bytes()
    has_nul = b"\x00" in data
    frame = _parse(data, path, encoding)
    missing = {"category", "lon", "lat"} - set(frame.columns)
    if missing:
        raise InvalidFile(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                          f"columns are {', '.join(frame.columns)}")
    for name in COLUMNS:
        if name not in frame.columns:
            frame[name] = ""
    frame = frame[list(COLUMNS)]
    reasons = pd.Series("", index=frame.index)

    def reject(mask, reason):
        reasons[mask & (reasons == "")] = reason

    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    reject(lon.isna() | ~np.isfinite(lon), "lon is not a number")
    reject(lat.isna() | ~np.isfinite(lat), "lat is not a number")
    reject((lat.abs() > 90) & (lon.abs() <= 90), "lat out of range; lon/lat look swapped")
    reject((lat.abs() > 90) | (lon.abs() > 180), "lon/lat out of range")
    reject(frame["category"].str.strip() == "", "category is empty")
    reject(frame["category"].str.len() > 50, "category longer than 50 characters")
    reject(frame["external_id"].str.len() > 100, "external_id longer than 100 characters")
    frame.loc[frame["source"] == "", "source"] = "hotline"
    reject(~frame["source"].isin(SOURCES), f"source must be one of {', '.join(SOURCES)}")
    priority = pd.to_numeric(frame["priority"].replace("", "2"), errors="coerce")
    reject(~priority.isin([1, 2, 3]), "priority must be 1, 2 or 3")
    reported = pd.to_datetime(frame["reported_at"].replace("", None), errors="coerce", utc=True,
                              format="ISO8601")
    reject(reported.isna() & (frame["reported_at"] != ""), "reported_at is not an ISO date")
    if has_nul:  # rare: look for the rows only when the file holds a NUL byte at all
        nul = frame.apply(lambda col: col.str.contains("\x00", regex=False)).any(axis=1)
        reject(nul, "contains a NUL character")
    dup = frame["external_id"].ne("") & frame["external_id"].duplicated(keep="first")
    reject(dup, "external_id repeated in the file")

    bad = reasons != ""
    rejected = [(int(i) + 1, reasons[i]) for i in frame.index[bad]]
    good = frame[~bad].copy()
    good["priority"] = priority[~bad].astype(int)
    now = pd.Timestamp.now(tz="UTC").as_unit(reported.dt.unit)
    good["reported_at"] = reported[~bad].fillna(now)
    good["lon"], good["lat"] = to_wgs84(lon[~bad].to_numpy(), lat[~bad].to_numpy(),
                                        parse_crs(crs))
    return good, rejected


def _parse(data: bytes, path, encoding: str) -> pd.DataFrame:
    """The CSV as text columns, except lon/lat parsed as numbers when they all are."""
    def read(dtype):
        return pd.read_csv(io.BytesIO(data), encoding=encoding, dtype=dtype,
                           keep_default_na=False)

    try:
        try:  # most files: numbers are numbers, parsed natively (several times faster)
            return read({**dict.fromkeys(COLUMNS, str), "lon": float, "lat": float})
        except ValueError:  # a non-number somewhere: read as text, reject row by row
            return read(str)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InvalidFile(f"{path}: not a readable {encoding} CSV file ({err})") from None


def locate_in_process(conn: Connection, lon: np.ndarray, lat: np.ndarray,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(grid id, community id) per point for covered points, -1 where no grid covers it."""
    rows = conn.execute(text("SELECT id, community_id, code, ST_AsBinary(geom) FROM grids"
                             " WHERE valid_to IS NULL ORDER BY code")).all()
    grid_id = np.full(len(lon), -1, dtype=np.int64)
    community_id = np.full(len(lon), -1, dtype=np.int64)
    if not rows or not len(lon):
        return grid_id, community_id
    ids = np.array([r[0] for r in rows])
    communities = np.array([r[1] for r in rows])
    polygons = shapely.from_wkb([bytes(r[3]) for r in rows])
    # A tree over the points, probed by each (prepared) grid: the fastest form measured.
    tree = shapely.STRtree(shapely.points(lon, lat))
    grid_index, point_index = tree.query(polygons, predicate="covers")
    # Rows come ordered by code, so the first grid seen for a point has the lowest code.
    order = np.lexsort((grid_index, point_index))
    first = np.unique(point_index[order], return_index=True)[1]
    chosen_points, chosen_grids = point_index[order][first], grid_index[order][first]
    grid_id[chosen_points] = ids[chosen_grids]
    community_id[chosen_points] = communities[chosen_grids]
    return grid_id, community_id


# A load this large (and this large a share of the table) rebuilds the incidents'
# secondary indexes instead of maintaining them row by row: building a GiST index over a
# million points takes about 2 s, inserting into it row by row several times that.
_REBUILD_ROWS, _REBUILD_SHARE = 100_000, 0.2
_SECONDARY_INDEXES = {"incidents": ("idx_incidents_geom", "ix_incidents_reported_at"),
                      "incident_locations": ("ix_incident_locations_grid_id",),
                      "incident_events": ("ix_incident_events_incident_id",)}


def load(conn: Connection, frame: pd.DataFrame, *, snap_meters: float = DEFAULT_SNAP_METERS,
         actor: str = "import") -> IngestResult:
    """Write validated rows (from ``read_csv``) located, in the caller's transaction."""
    result = IngestResult()
    frame = _drop_stored_duplicates(conn, frame, result)
    n = len(frame)
    result.located = dict.fromkeys(("covered", "snapped", "out_of_area"), 0)
    if n == 0:
        return result
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    grid_id, community_id = locate_in_process(conn, lon, lat)
    first_id = conn.execute(text(
        "SELECT setval('incidents_id_seq', nextval('incidents_id_seq') + :n - 1) - :n + 1"),
        {"n": n}).scalar_one()
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    covered = grid_id >= 0
    with ExitStack() as stack:
        for table in ("incidents", "incident_locations", "incident_events"):
            stack.enter_context(foreign_keys_checked_once(conn, table))
        if n >= _REBUILD_ROWS and n >= _REBUILD_SHARE * _estimated_rows(conn, "incidents"):
            for table, indexes in _SECONDARY_INDEXES.items():
                stack.enter_context(indexes_rebuilt(conn, table, indexes))
        copy_frame(conn, "incidents", _incident_rows(frame, ids, lon, lat))
        copy_frame(conn, "incident_locations", pd.DataFrame({
            "incident_id": ids[covered], "grid_id": grid_id[covered],
            "community_id": community_id[covered],
            "state": pd.Categorical(["covered"] * int(covered.sum()))}))
        copy_frame(conn, "incident_events", pd.DataFrame({
            "incident_id": ids, "at": frame["reported_at"].array,
            "actor": pd.Categorical([actor] * n), "action": pd.Categorical(["report"] * n),
            "to_status": pd.Categorical(["reported"] * n)}))
    rest = ids[~covered].tolist()
    if rest:  # no grid covers these: only the snapping and out-of-area steps
        for state, count in assign_incidents(conn, snap_meters=snap_meters, ids=rest,
                                             grid_driven=False).items():
            result.located[state] += count
    result.located["covered"] += int(covered.sum())
    result.loaded = n
    return result


def _incident_rows(frame: pd.DataFrame, ids: np.ndarray, lon: np.ndarray,
                   lat: np.ndarray) -> pd.DataFrame:
    def nullable(column: str) -> pd.Series:
        return frame[column].replace("", None)

    return pd.DataFrame({
        "id": ids, "category": frame["category"].to_numpy(),
        "description": nullable("description").to_numpy(),
        "geom": shapely.points(lon, lat), "address": nullable("address").to_numpy(),
        "source": pd.Categorical(frame["source"].to_numpy()),
        "external_id": nullable("external_id").to_numpy(),
        "reported_at": frame["reported_at"].array,
        "priority": frame["priority"].to_numpy(np.int32),
        "status": pd.Categorical(["reported"] * len(ids))})


def _estimated_rows(conn: Connection, table: str) -> float:
    return conn.execute(text("SELECT greatest(reltuples, 0) FROM pg_class"
                             " WHERE oid = CAST(:t AS regclass)"), {"t": table}).scalar_one()


def _drop_stored_duplicates(conn: Connection, frame: pd.DataFrame,
                            result: IngestResult) -> pd.DataFrame:
    with_id = frame["external_id"] != ""
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
    frame, rejected = read_csv(path, encoding=encoding, crs=crs)
    if rejected and not skip_invalid:
        first = "; ".join(f"row {row}: {reason}" for row, reason in rejected[:5])
        raise InvalidInput(f"{len(rejected)} invalid row(s), nothing loaded: {first}",
                           details=[{"row": r, "reason": why} for r, why in rejected[:1000]])
    result = load(conn, frame, snap_meters=snap_meters)
    result.rejected = rejected
    return result
