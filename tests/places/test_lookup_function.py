"""The public lookup's PL/pgSQL function (migration 0022_lookupfn): the database's function
is the code's text, and it answers as the lookup's statement run on its own does."""

import pytest
from sqlalchemy import text

from geo.places.store import reads
from tests.support.geometries import xy


def test_the_database_function_is_the_code_s(conn):
    # A change to the lookup or the location rule needs a migration that replaces the function.
    source = conn.execute(text("SELECT prosrc FROM pg_proc WHERE proname = 'gridmap_lookup'"
                               " AND pronargs = 3")).scalar_one()
    assert source == reads.LOOKUP_FUNCTION_BODY


@pytest.mark.parametrize("where", [
    pytest.param((1, 1.5), id="covered"),
    pytest.param((1, 1), id="on a shared vertex"),
    pytest.param((20, 1), id="in no community"),
    pytest.param((-0.2, 1.5), id="snapped"),
    pytest.param((7, 1), id="in a community, in no grid"),
])
def test_the_function_answers_as_the_statement(conn, town, where):
    lon, lat = xy(*where)
    statement = reads._LOOKUP_NOW
    for n, value in enumerate((lon, lat, 50.0), start=1):
        statement = statement.replace(f"${n}", f"CAST({value!r} AS float8)")
    located, expected = conn.execute(text(statement)).one()
    answer = reads.lookup(conn, lon, lat, 50.0)
    assert answer == (expected if located else None)
    again = conn.execute(text("SELECT gridmap_lookup(:lon, :lat, 50)"),
                         {"lon": lon, "lat": lat}).scalar()
    assert again == answer
