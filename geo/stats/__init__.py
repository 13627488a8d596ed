"""Statistics: caseload and performance per grid or community (``caseload``), party-member
coverage (``coverage``), choropleth classes (``classes``), CSV rows (``csvrows``) and the
geometry the statistics maps draw (``mapshapes``).

May import ``geo.core``, ``geo.pg``, ``geo.places`` and ``geo.incidents``.
"""
