"""Checking a file's rows, vectorised: the rules of a single report
(``geo.incidents.intake.check_report``) and what a file needs besides (see the package)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo.core.crs import to_wgs84
from geo.core.params import Box
from geo.core.statuses import SOURCES
from geo.core.text import LIMITS as TEXT_LIMITS
from geo.incidents.imports import dates
from geo.incidents.imports.files import Rows

DEFAULT_SOURCE = "hotline"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class _Reasons:
    """The first reason each row fails, filled check by check."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)

    def reject(self, mask, why: str | Callable[[np.ndarray], Sequence[str]]) -> None:
        """``why``: the reason, or a function of the rows (a mask) giving one per row."""
        mask = np.asarray(mask, bool) & (self.reason == None)  # noqa: E711 - elementwise
        if mask.any():
            self.reason[mask] = why if isinstance(why, str) else list(why(mask))

    @property
    def bad(self) -> np.ndarray:
        return self.reason != None  # noqa: E711 - elementwise


def check(rows: Rows, cats: Mapping, area: Box | None, now: dt.datetime,
          timezone: str) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """(the valid rows as typed values, [(row number, reason)] for the others)."""
    f = rows.fields
    r = _Reasons(len(f))
    if rows.problems:
        r.reject(f.index.isin(list(rows.problems)), lambda m: [rows.problems[i] for i in
                                                               f.index[m]])
    if rows.has_nul:
        r.reject(f.apply(lambda col: col.str.contains("\x00", regex=False)).any(axis=1),
                 "contains a NUL character")
    r.reject(f["category"] == "", "category is empty")
    r.reject(~f["category"].isin(list(cats)), lambda m: [
        f"unknown category {c!r}; active categories: {', '.join(cats)}"
        for c in f["category"][m]])
    for key, limit in TEXT_LIMITS.items():
        r.reject(f[key].str.len() > limit, f"'{key}' is longer than {limit} characters")
    source = f["source"].where(f["source"] != "", DEFAULT_SOURCE)
    r.reject(~source.isin(SOURCES), f"'source' must be one of {', '.join(SOURCES)}")
    priority = f["priority"].where(f["priority"] != "", "2")
    r.reject(~priority.isin(["1", "2", "3"]), "'priority' must be 1 (urgent), 2 or 3")
    r.reject(~f["reporter_phone"].str.fullmatch(r"[0-9+\-() ]*"),
             "'reporter_phone' must be a phone number")
    reported = _reported_at(f["reported_at"], r, now, ZoneInfo(timezone))
    lon, lat, locate_by = _location(f, r, area)
    ext = f["external_id"]
    repeated = (ext != "") & ext.duplicated(keep="first")
    firsts = pd.Series(rows.start + np.arange(1, len(f) + 1)[~ext.duplicated()],
                       index=ext[~ext.duplicated()])
    r.reject(repeated, lambda m: [f"external_id {e!r} repeated in the file (first at row "
                                  f"{firsts[e]})" for e in ext[m]])
    good = ~r.bad
    rejected = [(rows.start + int(i) + 1, str(r.reason[i])) for i in np.flatnonzero(r.bad)]
    x, y = to_wgs84(lon[good], lat[good], rows.crs)
    valid = pd.DataFrame({
        "row_no": rows.start + np.flatnonzero(good) + 1, "locate_by": locate_by[good],
        **{k: _none_if_empty(f[k][good]) for k in (
            "external_id", "category", "description", "address", "reporter_name",
            "reporter_phone")},
        "building": _none_if_empty(f["building"][good].where(locate_by[good] == "building", "")),
        "source": source[good].to_numpy(object),
        "priority": priority[good].to_numpy(object).astype(np.int32),
        "reported_at": reported[good], "lon": x, "lat": y})
    # The address as looked up (rows located by address only: a few per cent of a file).
    by_address = (valid["locate_by"] == "address").to_numpy()
    key = np.full(len(valid), None, object)
    key[by_address] = (valid["address"][by_address].fillna("").str.normalize("NFKC")
                       .str.replace(r"\s+", " ", regex=True).str.strip().to_numpy(object))
    valid["address_key"] = key
    return valid.reset_index(drop=True), rejected


def _none_if_empty(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(object)
    return np.where(values == "", None, values)


def _reported_at(column: pd.Series, r: _Reasons, now: dt.datetime, tz: ZoneInfo) -> np.ndarray:
    """Microseconds since 1970 (UTC) per row: ISO 8601 (the single report's parser) or a
    local spelling (:mod:`.dates`), naive = local time, '' = now. Parsed once per
    distinct text; an ambiguous one is rejected with what it might mean."""
    now_us = (now - EPOCH) // dt.timedelta(microseconds=1)
    codes, texts = pd.factorize(column)
    moments, ambiguous = np.empty(len(texts), np.int64), {}
    for i, value in enumerate(texts):
        moments[i] = now_us if value == "" else _moment(value, tz, ambiguous, i)
    out = moments[codes]
    r.reject(out == _AMBIGUOUS, lambda m: [
        f"'reported_at' is ambiguous: {ambiguous[c]}" for c in codes[m]])
    r.reject(out == _BAD, "'reported_at' must be a time such as 2026-11-20T08:30:00+08:00, "
                          "2026/11/20 08:30 or 2026年11月20日")
    r.reject(out > now_us + 300_000_000, "'reported_at' is in the future")
    return out


_BAD, _AMBIGUOUS = -1 << 62, -(1 << 62) + 1


def _moment(value: str, tz: ZoneInfo, ambiguous: dict, i: int) -> int:
    try:
        moment = dates.parse(value)
    except dates.Ambiguous as err:
        ambiguous[i] = str(err)
        return _AMBIGUOUS
    except ValueError:
        return _BAD
    moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def _location(f: pd.DataFrame, r: _Reasons, area: Box | None):
    """(lon, lat, how each row is located: point | building | address), checked."""
    has_lon, has_lat = f["lon"] != "", f["lat"] != ""
    r.reject(has_lon != has_lat, "give both lon and lat, or neither")
    by_point = (has_lon & has_lat).to_numpy()
    lon = pd.to_numeric(f["lon"].where(has_lon), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(f["lat"].where(has_lat), errors="coerce").to_numpy(float)
    r.reject(by_point & ~np.isfinite(lon), lambda m: [f"'lon' is not a number: {v!r}"
                                                      for v in f["lon"][m]])
    r.reject(by_point & ~np.isfinite(lat), lambda m: [f"'lat' is not a number: {v!r}"
                                                      for v in f["lat"][m]])
    with np.errstate(invalid="ignore"):
        bad_lat = by_point & (np.abs(lat) > 90)
        r.reject(bad_lat & (np.abs(lon) <= 90) & (np.abs(lat) <= 180), lambda m: [
            f"'lat' is {b:g}, outside -90..90; latitude and longitude look swapped"
            for b in lat[m]])
        r.reject(bad_lat, lambda m: [f"'lat' is {b:g}, outside -90..90" for b in lat[m]])
        r.reject(by_point & (np.abs(lon) > 180),
                 lambda m: [f"'lon' is {a:g}, outside -180..180" for a in lon[m]])
        if area:
            outside = by_point & ~_inside(lon, lat, area)
            r.reject(outside & _inside(lat, lon, area), lambda m: [
                f"point ({a:g}, {b:g}) is outside the service area; latitude and longitude "
                "look swapped" for a, b in zip(lon[m], lat[m], strict=True)])
            r.reject(outside, lambda m: [
                f"point ({a:g}, {b:g}) is outside the area this service covers"
                for a, b in zip(lon[m], lat[m], strict=True)])
    by_building = ~by_point & (f["building"] != "").to_numpy()
    r.reject(by_building & ~f["building"].str.fullmatch("[0-9]+").to_numpy(),
             "'building' must be a building code (digits)")
    by_address = ~by_point & ~by_building & (f["address"] != "").to_numpy()
    r.reject(~(by_point | by_building | by_address),
             "no location: give lon and lat, a building code or an address")
    locate_by = np.select([by_point, by_building], ["point", "building"], "address")
    return np.where(by_point, lon, np.nan), np.where(by_point, lat, np.nan), locate_by


def _inside(x: np.ndarray, y: np.ndarray, box: Box) -> np.ndarray:
    return (box[0] <= x) & (x <= box[2]) & (box[1] <= y) & (y <= box[3])
