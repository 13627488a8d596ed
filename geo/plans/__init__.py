"""Redraw plans: drafts of one community's grids (``drafts``), their input (``parse``),
building-based editing (``buildings``, ``derive``), drawing (``edit``), checks (``check``),
impact (``side``, ``impact``; where open incidents go is ``geo.boundaries.moves``),
publishing (``publish``, which re-homes through ``geo.boundaries``) and automatic drafts
(``autodraft``, ``auto``). Every SQL statement is in the ``store`` sub-package (one module
per kind of work); the other modules hold the rules, the checks and the geometry work.

May import ``geo.core``, ``geo.pg``, ``geo.places``, ``geo.incidents``, ``geo.boundaries``
and ``geo.layers``;
not ``geo.stats`` or ``geo.demo``.
"""
