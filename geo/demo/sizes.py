"""How big a demo city is: the named sizes :func:`geo.demo.city.generate` accepts.

A module of its own so that the parts that draw a city (``layout``, ``buildings``) can
take a :class:`Size` without importing ``geo.demo.city``, which imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Size:
    """How big a city :func:`geo.demo.city.generate` makes; the counts are targets, met
    approximately."""

    communities: int
    grids: int
    buildings: int
    incidents: int
    streets: int
    side_m: float
    # Density field: (weight, dx, dy, sigma) Gaussian centres in metres; the rest is uniform.
    centres: tuple[tuple[float, float, float, float], ...]
    districts: tuple[str, ...] = ("110101",)
    # Years of history behind the 90 days, made from them (geo.demo.history), and the
    # incidents wanted in all; None: the 90 days only.
    history_years: float | None = None
    history_total: int = 0


SIZES = {
    # 100 grids of ~400 households hold ~40,000 households; 3,600 buildings keep the mean
    # building above the 10-household minimum (4,000 would make nearly every building 10).
    "small": Size(10, 100, 3_600, 5_000, 3, 3_000.0, ((0.6, 0.0, 0.0, 1_200.0),)),
    "city": Size(200, 10_000, 300_000, 1_000_000, 16, 30_000.0,
                 ((0.40, 0.0, 0.0, 5_000.0), (0.08, 8_000.0, 6_000.0, 1_800.0),
                  (0.07, -9_000.0, 7_000.0, 2_000.0), (0.07, 7_000.0, -8_000.0, 1_800.0),
                  (0.06, -6_000.0, -9_000.0, 2_000.0), (0.07, 10_000.0, -1_000.0, 2_000.0)),
                 ("110101", "110102", "110105", "110106", "110107", "110108")),
}
# A province's load on the city's map: the city's 90 days and ten years before them,
# 10,000,000 incidents in all (issue 24).
SIZES["province"] = replace(SIZES["city"], history_years=10.0, history_total=10_000_000)
