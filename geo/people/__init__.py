"""People and organisations: grid workers (the grids they serve, dated; duty schedule,
leave and substitutes; publication consent; a linked account), the party (organisation
tree, members, 双报到 registrations) and departments and resident units.

Modules: ``words`` (the vocabularies), ``checks`` (one record's rules, for the API and
each row of a file), ``schedule`` (serving, leave and duty hours as SQL conditions, which
``geo.incidents.routing`` composes into the assignee rule), ``party`` (who counts, the
registration decision), ``workers``, ``members``, ``departments`` (codes → rows within the
caller's communities, and the writes), ``files`` (CSV in UTF-8/GBK/GB18030, XLSX),
``imports`` (check every row, then write all, the good ones, or nothing), ``exports``
(downloads, private phones masked unless asked). SQL in ``geo.people.store``.

Place in the order: ``core ← pg ← places ← layers, people ← incidents ← …``: people may
import ``core``, ``pg`` and ``places``; ``incidents`` (routing), ``stats`` (coverage
counts) and ``demo`` may import people.
"""
