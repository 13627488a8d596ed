"""Redraw plans: drafts of one community's grids (``drafts``), their input (``parse``),
building-based editing (``buildings``, ``derive``), drawing (``edit``), checks (``check``),
impact (``side``, ``impact``, ``moves``), publishing (``publish``) and automatic drafts
(``autodraft``, ``auto``). Every SQL statement is in the ``store`` sub-package (one module
per kind of work); the other modules hold the rules, the checks and the geometry work.

May import ``geo.core``, ``geo.pg``, ``geo.places``, ``geo.layers`` and ``geo.incidents``;
not ``geo.stats`` or ``geo.demo``.
"""
