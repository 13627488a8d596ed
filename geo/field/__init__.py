"""The grid worker's field work: my tasks, evidence with an action, patrols and the problems
found on them, and the in-app notifications (the ``/work`` app and its API).

Tables in ``app.models.field``; the SQL in ``store``. Builds on ``geo.incidents`` (the
workflow, intake and routing are theirs, never copied here).

May import ``geo.core``, ``geo.pg``, ``geo.places``, ``geo.people`` and ``geo.incidents``;
imported by ``geo.stats`` and ``geo.demo``; ``geo.boundaries`` and ``geo.layers`` do not
import it, nor it them.
"""
