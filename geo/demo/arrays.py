"""Small vectorised array helpers shared by the demo city generator (``geo.demo.city``).

Numbering within groups, numbers as text, and categorical columns: what the layout,
buildings, people and incidents modules all need to build their frames without Python
loops over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based position of each item among the items of its group, in array order.

    >>> rank_within(np.array([2, 1, 2, 2, 1])).tolist()
    [0, 0, 1, 2, 1]
    """
    order = np.argsort(groups, kind="stable")
    sorted_groups = np.asarray(groups)[order]
    start = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    counts = np.diff(np.r_[start, len(order)])
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(start, counts)
    return rank


def enum(values: np.ndarray, codes: np.ndarray | None = None) -> pd.Categorical:
    """``values[codes]`` (or ``values``) as a pandas Categorical: cheap to hold and to COPY."""
    if codes is None:
        return pd.Categorical(values)
    present = pd.notna(values)
    categories, inverse = np.unique(values[present].astype(str), return_inverse=True)
    lookup = np.full(len(values), -1)
    lookup[present] = inverse
    return pd.Categorical.from_codes(lookup[codes], categories)


def text(values: np.ndarray) -> np.ndarray:
    """Numbers as an object array of ``str``, ready for element-wise ``+``."""
    return np.asarray(values).astype(str).astype(object)


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    """Numbers as zero-padded ``str`` of ``width`` digits, in an object array.

    >>> zfill(np.array([7, 12]), 3).tolist()
    ['007', '012']
    """
    return np.char.zfill(np.asarray(values).astype(str), width).astype(object)
