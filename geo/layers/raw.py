"""A layer as read from its file, before any check: what :mod:`geo.layers.files` returns and
:mod:`geo.layers.prep` takes (its own module, so that neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class RawLayer:
    """Features as read: field arrays, shapely geometries (None if missing) and their CRS."""

    name: str
    fields: dict[str, np.ndarray]
    geoms: np.ndarray
    crs: Any

    def __len__(self) -> int:
        return len(self.geoms)
