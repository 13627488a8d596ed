"""The SQL of the field work (``geo.field``): one module per part.

- :mod:`.photos`: evidence photos of an action (or of a problem found on patrol);
- :mod:`.tasks`: a worker's tasks and grids (h-fapi);
- :mod:`.notifications`: the in-app notifications.

Patrols keep theirs in :mod:`.patrols`, and the supervisors' coverage page its counts in
:mod:`.coverage`.
"""
