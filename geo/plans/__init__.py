"""Redraw plans: drafts of one community's grids (``drafts``), their input (``parse``),
building-based editing (``buildings``, ``derive``), drawing (``edit``), checks (``check``),
impact (``side``, ``impact``, ``moves``), publishing (``publish``) and automatic drafts
(``autodraft``, ``auto``).

May import ``geo.core``, ``geo.pg``, ``geo.places``, ``geo.layers`` and ``geo.incidents``.
"""
