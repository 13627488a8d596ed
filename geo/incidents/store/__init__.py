"""The SQL of the incidents domain: one module per part, one named function per question.

- :mod:`.intake`: one incident located, routed and stored with its first event;
- :mod:`.imports`: the set-based steps of a file import;
- :mod:`.reports`: resident reports' references, public notes and photos;
- :mod:`.workflow`: the row lock, the moves and the history of the workflow;
- :mod:`.reads`: incidents for staff (lists, one with its history, counts, open points);
- :mod:`.candidates`: the workers an incident can go to, with their duty state now;
- :mod:`.open311`: service requests as GeoReport v2 reads them.

Why raw SQL: the routing rule (``geo.incidents.routing``) is a SQL fragment composed into
the statements that store incidents, so that an incident is located, routed and stored
with its first event in one statement (prepared on the hot path, ``geo.pg.prepared``), and
a file's rows in a few set-based ones; lists and counts are built by PostgreSQL with the
overdue rule of ``geo.core.statuses``; workflow steps take row locks. The rule modules
(``routing``, ``geo.places.assign``) keep their fragments next to their rule.
"""
