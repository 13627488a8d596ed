"""Server-side prepared statements (geo.pg.prepared): prepared once per connection, bound by
name, and still there after a rollback."""

import pytest
from sqlalchemy import text

from geo.pg.prepared import Prepared

SUM = Prepared.of("gridmap_test_sum", "SELECT CAST(:a AS int) + :b AS total, :a::int AS again",
                  {"a": "int", "b": "int"})


def test_parameters_become_positional_in_first_seen_order():
    assert SUM.prepare.startswith("PREPARE gridmap_test_sum (int, int) AS SELECT CAST($1 AS")
    assert "$1::int" in SUM.prepare  # a cast is not a parameter
    assert SUM.execute == "EXECUTE gridmap_test_sum (%(a)s, %(b)s)"


def test_a_parameter_without_a_type_is_refused():
    with pytest.raises(ValueError, match="no SQL type for b"):
        Prepared.of("x", "SELECT :a + :b", {"a": "int"})


def _prepared_here(conn) -> list[str]:
    return list(conn.execute(text("SELECT name FROM pg_prepared_statements"
                                  " WHERE name = 'gridmap_test_sum'")).scalars())


def test_prepared_once_per_connection_and_kept_after_rollback(app):
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        # Only this test's statement: the connection's other prepared statements (and the
        # flags in conn.info saying they exist) belong to the app.
        if _prepared_here(conn):
            conn.exec_driver_sql(f"DEALLOCATE {SUM.name}")
        conn.info.pop(SUM.name, None)
        assert SUM.run(conn, {"a": 2, "b": 40}).one() == (42, 2)
        assert _prepared_here(conn) == ["gridmap_test_sum"]
        conn.rollback()  # PREPARE is not transactional: the statement stays
        assert SUM.run(conn, {"b": 1, "a": 1}).one() == (2, 1)
        assert _prepared_here(conn) == ["gridmap_test_sum"]
        conn.rollback()
