"""The synthetic demo city: generated in memory (``city`` with ``layout``, ``buildings``,
``people``, ``incidents``, ``names``, ``arrays``) and loaded into PostGIS (``store``).

May import every other package of ``geo``.
"""
