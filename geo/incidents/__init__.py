"""Incidents: taking one in (``intake``), importing hotline files (``hotline``), routing to
a grid and worker (``routing``), the workflow (``workflow``), deadlines (``worktime``),
staff reads (``store``), resident reports (``residents``, ``photos``) and Open311 terms
(``open311``).

May import ``geo.core``, ``geo.pg`` and ``geo.places``.
"""
