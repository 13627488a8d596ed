"""The SQL of the incidents domain, one module per part, one named function per question.

- :mod:`.reads`: incidents for staff (list, one with its history, counts, open points);
- :mod:`.imports`: the set-based steps of a file import.

Why raw SQL: the routing rule (``geo.incidents.routing``) is a SQL fragment composed into
the statements that store incidents, so that an incident is located, routed and stored
with its first event in one statement (prepared on the hot path, ``geo.pg.prepared``);
lists and counts are built by PostgreSQL with the overdue rule of ``geo.core.statuses``.
"""
