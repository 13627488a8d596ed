"""The synthetic demo city: generated in memory (``city`` with ``sizes``, ``layout``,
``buildings``, ``people``, ``incidents``, ``names``, ``arrays``; no database) and loaded
into PostGIS by ``store``, the only module of the package with SQL in it.

May import every other package of ``geo``; no other package of ``geo`` imports it.
"""
