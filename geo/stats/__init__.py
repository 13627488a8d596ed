"""Statistics: caseload and performance per grid or community (``caseload``), party-member
coverage (``coverage``), choropleth classes (``classes``), CSV rows (``csvrows``) and the
geometry the statistics maps draw (``mapshapes``). Every SQL statement is in ``store``;
the other modules hold the definitions and the arithmetic.

May import ``geo.core``, ``geo.pg``, ``geo.places`` and ``geo.incidents``; not
``geo.plans`` or ``geo.demo``.
"""
