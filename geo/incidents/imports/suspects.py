"""Which imported rows may be possible duplicates: a safe, vectorised prefilter so that
the duplicate rule (``geo.incidents.routing.duplicates_set_sql``, which stays the definition)
probes only the rows that can have one.

The rule flags an incident when an open, unmerged incident of the same category lies
within ``duplicate_m`` metres and was reported up to ``duplicate_hours`` before it. A row
can only be flagged if some candidate — another row of the file, or an open incident
already stored and reported in the file's time window — has its category, lies in its
cell or a neighbouring one (cells at least ``duplicate_m`` wide, in degrees, with the
rule's own 1 % margin) and in its time bucket or the one before (buckets
``duplicate_hours`` long). Everything else is certainly not flagged and skips the probe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_M_PER_DEG_LAT, _M_PER_DEG_LON = 110_574.0, 111_320.0


def possible(rows: pd.DataFrame, stored: pd.DataFrame, metres: float,
             hours: float) -> np.ndarray:
    """The ids of ``rows`` that may be flagged.

    Parameters
    ----------
    rows, stored : DataFrame
        ``id``, ``lon``, ``lat``, ``category``, ``at`` (microseconds since 1970): the
        file's located rows, and the open incidents stored in its time window.
    metres, hours : float
        The duplicate rule's distance and time.
    """
    if not len(rows):
        return np.empty(0, np.int64)
    both = pd.concat([rows, stored], ignore_index=True)
    lat_max = float(np.max(np.abs(both["lat"].to_numpy(float))))
    cell_y = 1.01 * metres / _M_PER_DEG_LAT
    cell_x = 1.01 * metres / (_M_PER_DEG_LON * np.cos(np.radians(min(lat_max, 89.0))))
    origin = (both["lon"].min(), both["lat"].min(), both["at"].min())
    cats = {c: i for i, c in enumerate(pd.unique(both["category"]))}

    def keys(frame: pd.DataFrame) -> np.ndarray:
        cx = np.floor((frame["lon"].to_numpy(float) - origin[0]) / cell_x).astype(np.int64)
        cy = np.floor((frame["lat"].to_numpy(float) - origin[1]) / cell_y).astype(np.int64)
        tb = (frame["at"].to_numpy(np.int64) - origin[2]) // int(hours * 3600e6 or 1)
        cat = frame["category"].map(cats).to_numpy(np.int64)
        return (((cat << 20 | (cx + 1)) << 20 | (cy + 1)) << 14) | (tb + 1)

    found, counts = np.unique(keys(both), return_counts=True)
    # A neighbour's key: each field moved by one (fields never carry), so the rows' keys,
    # sorted once, stay sorted for every move (searches in order, cache-friendly).
    own = keys(rows)
    order = np.argsort(own, kind="stable")
    own = own[order]
    near = np.zeros(len(rows), np.int64)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dt in (-1, 0):
                k = own + ((dx << 34) + (dy << 14) + dt)
                at = np.clip(np.searchsorted(found, k), 0, len(found) - 1)
                near += np.where(found[at] == k, counts[at], 0)
    return rows["id"].to_numpy(np.int64)[np.sort(order[near > 1])]  # itself counted once
