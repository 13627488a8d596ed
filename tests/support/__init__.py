"""Plain builders for the tests: named geometries, the shared towns, sign-in helpers,
plan bodies, and the rollback isolation the ``app`` fixture uses."""
