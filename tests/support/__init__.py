"""Plain builders for the tests (no fixtures here; those are in the conftest files):
named geometries, the shared towns, signing in, plan bodies, and how the ``app`` fixture
keeps tests apart (rollback, or TRUNCATE for ``commits`` tests)."""
