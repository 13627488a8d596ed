"""Boundary layers in and out: read a file (``files``, ``archive``, ``raw``), check and
prepare its rows (``check``, ``prep``), load it and read it back (``store``: its SQL, in
``load``, ``upsert`` and ``reads``), write reports and downloads (``write``, ``exports``);
files of responsibility overlays (``overlays``, checked by ``geo.boundaries.overlays``).

May import ``geo.core``, ``geo.pg``, ``geo.places`` and ``geo.boundaries`` (a grids
import re-homes what its new boundaries move); not ``geo.incidents`` directly.
"""
