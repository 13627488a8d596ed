"""Incidents: how they come in, where they go, how they move on.

Coming in, by three names: ``intake`` (one incident, from staff, Open311 or a report),
``imports`` (files of them: hotline exports) and ``reports`` (what residents send from the
public map, with ``photos``). Then ``routing`` (the rule that picks the grid's worker, a
SQL fragment composed into the statements that store), the ``workflow``, the
dispatcher's choice of worker (``candidates``) and one action on many incidents
(``bulk``), deadlines (``worktime``) and Open311 terms (``open311``). The SQL is in
``store`` (one module per part: staff reads, imports, resident reports ...).

May import ``geo.core``, ``geo.pg`` and ``geo.places``.
"""
