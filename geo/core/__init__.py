"""What every domain shares: coordinates (``crs``), parameter parsing (``params``), the
errors (``errors``), incident statuses and sources (``statuses``) and the text rules and
limits (``text``). No SQL and no database here.

Imports nothing else of ``geo``.
"""
