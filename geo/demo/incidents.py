"""The demo city's incidents of the last 90 days and their history (``geo.demo.city``).

Incidents fall near buildings, weighted by households (some grids are hotspots), with
0.5 % outside the city; reports are busier by day than by night. Each incident follows
one path of the workflow (most are closed, a few rejected, returned or reopened) as far
as its step times have reached ``now``, with one ``incident_events`` row per step taken.
Geometry is in layout metres around the origin.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from geo.core.statuses import SOURCES
from geo.demo import names
from geo.demo.arrays import enum, rank_within, text, zfill

DAYS = 90

# (action, from_status, to_status) per step of each path an incident can take.
_REPORT = ("report", None, "reported")
_DONE = [("accept", "reported", "accepted"), ("dispatch", "accepted", "dispatched"),
         ("start", "dispatched", "in_progress"), ("resolve", "in_progress", "resolved")]
_PATHS = (
    [_REPORT, *_DONE, ("close", "resolved", "closed")],
    [_REPORT, ("reject", "reported", "rejected")],
    [_REPORT, *_DONE[:2], ("return", "dispatched", "returned")],
    [_REPORT, *_DONE, ("reopen", "resolved", "reopened")],
)
_PATH_SHARE = (0.925, 0.05, 0.015, 0.01)
_STATUS = np.array([[s[2] for s in p] + [""] * (6 - len(p)) for p in _PATHS])  # path, step
_SOURCES = SOURCES
_SOURCE_SHARE = (0.4, 0.3, 0.25, 0.05)


def draw(rng: np.random.Generator, n: int, buildings: pd.DataFrame, worker: np.ndarray,
         centres: np.ndarray, city, now: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Incidents of the last 90 days and their history.

    Parameters
    ----------
    rng : numpy.random.Generator
        Drawn from in a fixed order, so one seed gives one set of incidents.
    n : int
        Number of incidents.
    buildings : DataFrame
        The ``buildings`` frame (households, ``grid_id`` and address are used).
    worker : ndarray of int
        Per building, the grid worker who gets its incidents once they are dispatched.
    centres : ndarray, shape (buildings, 2)
        Building centres in metres.
    city : Polygon
        The city's outline in metres, for the out-of-area reports.
    now : datetime
        Timezone-aware end of the 90-day window.

    Returns
    -------
    incidents, events : DataFrame
        Frames of ``incidents`` (ids in order of report time) and ``incident_events``.
    """
    xy, address, worker = _locations(rng, n, buildings, worker, centres, city)
    category = rng.choice(list(names.CATEGORIES), n,
                          p=[v[0] for v in names.CATEGORIES.values()])
    reported = _report_times(rng, n, now)
    order = np.argsort(reported, kind="stable")
    xy, address, worker, category, reported = (
        a[order] for a in (xy, address, worker, category, reported))
    limit = pd.Series(category).map(names.RESOLVE_HOURS).to_numpy() * 3600
    path, times, done = _histories(rng, reported, limit, now)
    source = rng.choice(_SOURCES, n, p=_SOURCE_SHARE)
    frame = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "category": enum(category),
        "description": enum(names.descriptions(rng, category)),
        "geom": shapely.points(xy),
        "address": address,
        "source": enum(source),
        "external_id": _hotline_ids(source, reported),
        "reported_at": _timestamps(reported),
        **_progress(rng, category, worker, reported + limit, path, times, done),
        **_reporters(rng, source),
    })
    frame.loc[frame["assignee_id"] == 0, "assignee_id"] = pd.NA
    return frame, _events(times, path, done)


def _locations(rng, n: int, buildings: pd.DataFrame, worker: np.ndarray, centres, city):
    """Points near buildings (and 0.5 % outside the city), their addresses and the
    worker of the building each was drawn near (0 outside)."""
    n_out = max(1, round(n * 0.005))
    hh = buildings["households"].to_numpy()
    home = buildings["grid_id"].to_numpy()
    weight = hh * rng.gamma(2.0, 0.5, home.max() + 1)[home]  # some grids are hotspots
    b = rng.choice(len(hh), n - n_out, p=weight / weight.sum())
    sigma = np.where(rng.random(len(b)) < 0.85, 12.0, 40.0)
    xy = np.vstack([centres[b] + rng.normal(0, 1, (len(b), 2)) * sigma[:, None],
                    _outside(rng, city, n_out)])
    address = np.r_[buildings["address"].to_numpy()[b],
                    names.road_names(rng, n_out) + "附近"]
    return xy, address, np.r_[worker[b], np.zeros(n_out, np.int64)]


def _outside(rng, city, n: int) -> np.ndarray:
    """``n`` points 100 m to 2 km outside the city: out-of-area reports."""
    near = shapely.buffer(city, 100)
    shapely.prepare(near)
    x0, y0, x1, y1 = shapely.bounds(city)
    out = np.empty((0, 2))
    while len(out) < n:
        pts = rng.uniform((x0 - 2000, y0 - 2000), (x1 + 2000, y1 + 2000), (4 * n, 2))
        out = np.vstack([out, pts[~shapely.contains_xy(near, pts[:, 0], pts[:, 1])]])
    return out[:n]


def _report_times(rng, n: int, now: dt.datetime) -> np.ndarray:
    """Epoch seconds in the last 90 days, busier by day (Beijing time) than by night."""
    hourly = np.array([1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2])
    local_midnight = (_epoch(now) + 8 * 3600) // 86400 * 86400 - 8 * 3600
    second = rng.choice(24, n, p=hourly / hourly.sum()) * 3600 + rng.integers(0, 3600, n)
    day = rng.integers(0, DAYS, n)
    day = np.where(local_midnight + second > _epoch(now), rng.integers(1, DAYS, n), day)
    return local_midnight - day * 86400 + second


def _histories(rng, reported: np.ndarray, limit: np.ndarray, now: dt.datetime):
    """Path of each incident, the times of its steps and how many steps it has taken."""
    path = rng.choice(len(_PATHS), len(reported), p=_PATH_SHARE)
    # Returned and reopened work gets picked up again within days: only recent ones stay so.
    path[(path >= 2) & (reported < _epoch(now) - 7 * 86400)] = 0
    times = _step_times(rng, reported, limit, path)
    done = np.array([len(p) for p in _PATHS])[path]
    done = np.minimum(done, (times <= _epoch(now)).sum(axis=1))
    return path, times, done


def _step_times(rng, reported, limit, path) -> np.ndarray:
    """Epoch seconds of each step of each incident's path (columns: step 0..5)."""
    n, hour = len(reported), 3600.0
    gaps = np.column_stack([
        np.zeros(n), rng.exponential(1.5 * hour, n), rng.exponential(hour, n),
        rng.exponential(2 * hour, n), limit * rng.lognormal(np.log(0.5), 0.8, n),
        rng.exponential(36 * hour, n),
    ])
    stuck = rng.random(n) < 0.03  # a backlog: work that waits days before anyone starts
    gaps[stuck, 3] += rng.lognormal(np.log(5 * 24 * hour), 1.0, stuck.sum())
    gaps[path == 2, 3] = rng.exponential(3 * hour, (path == 2).sum())  # returned
    gaps[path == 3, 5] = rng.exponential(12 * hour, (path == 3).sum())  # reopened
    return reported[:, None] + np.cumsum(gaps, axis=1).round().astype(np.int64)


def _progress(rng, category, worker, due, path, times, done) -> dict[str, object]:
    """Status, priority, assignee (0: none) and deadlines, as incident columns."""
    n = len(path)
    status = _STATUS[path, done - 1]
    urgent = np.where(category == "消防隐患", 0.6, 0.1)
    return {
        "status": enum(status),
        "priority": np.where(rng.random(n) < urgent, 1, rng.choice([2, 3], n, p=[0.7, 0.3])),
        "assignee_id": pd.array(np.where((done > 2) & (path != 1), worker, 0), "Int64"),
        "due_at": _timestamps(due),
        "closed_at": _timestamps(np.where(status == "closed", times[:, 5], -1)),
    }


def _reporters(rng, source: np.ndarray) -> dict[str, np.ndarray]:
    """Name and phone of the reporter, for hotline and resident reports."""
    n = len(source)
    reporter = np.isin(source, ("hotline", "resident"))
    return {
        "reporter_name": np.where(reporter, names.person_names(rng, n), None),
        "reporter_phone": np.where(reporter, names.mobiles(rng, n), None),
    }


def _events(times, path, done) -> pd.DataFrame:
    """One row per step each incident has taken, in order of incident and step."""
    incident = np.repeat(np.arange(len(path)), done)
    step = np.arange(len(incident)) - np.repeat(np.cumsum(done) - done, done)
    kind = np.cumsum([0] + [len(p) for p in _PATHS])[path[incident]] + step
    steps = [s for p in _PATHS for s in p]
    notes = ["不属于受理范围" if s[0] == "reject" else None for s in steps]
    columns = {name: enum(np.array(values, dtype=object), kind) for name, values in
               zip(("action", "from_status", "to_status"), zip(*steps, strict=True),
                   strict=True)}
    return pd.DataFrame({
        "id": np.arange(1, len(incident) + 1),
        "incident_id": incident + 1,
        "at": _timestamps(times[incident, step]),
        "actor": pd.Categorical.from_codes(np.zeros(len(kind), np.int8), ["demo"]),
        **columns,
        "note": enum(np.array(notes, dtype=object), kind),
    })


def _hotline_ids(source, reported) -> np.ndarray:
    """'12345-2026-0001234' for hotline reports: year and a sequence within the year."""
    hotline = np.flatnonzero(source == "hotline")
    year = reported[hotline].astype("datetime64[s]").astype("datetime64[Y]").astype(int) + 1970
    out = np.full(len(source), None, dtype=object)
    out[hotline] = "12345-" + text(year) + "-" + zfill(rank_within(year) + 1, 7)
    return out


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _timestamps(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds (negative = missing) as UTC timestamps."""
    seconds = np.asarray(seconds, dtype=np.int64)
    stamps = seconds.astype("datetime64[s]")
    stamps[seconds < 0] = np.datetime64("NaT")
    return pd.DatetimeIndex(stamps).tz_localize("UTC")
