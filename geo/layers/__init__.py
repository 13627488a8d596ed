"""Boundary layers in and out: read a file (``files``, ``archive``), check and prepare
its rows (``check``, ``prep``), load it (``store``, ``upsert``), write reports and
downloads (``write``, ``exports``).

May import ``geo.core``, ``geo.pg`` and ``geo.places``.
"""
