"""API for statistics: the numbers (``numbers``) and what the statistics maps fetch
(``mapdata``). Over ``geo.stats``.
"""
