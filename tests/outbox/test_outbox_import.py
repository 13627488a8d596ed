"""A hotline import's events reach the outbox exactly once, with the trigger's payload:
as a superuser the import writes them itself (its row-by-row triggers are off, foreign keys
checked once); as an ordinary role the outbox trigger does."""

import pytest
from sqlalchemy import text

from geo.incidents import imports
from geo.incidents.intake import Rules
from tests.incidents.test_hotline_import import COLUMNS, csv_bytes, line

pytestmark = pytest.mark.town("incidents")


@pytest.mark.parametrize("role", ["superuser", "ordinary"])
def test_an_imports_events_reach_the_outbox_once(app, conn, town, role):
    from app.extensions import db

    session = db.session.connection()
    if role == "ordinary":
        session.exec_driver_sql("CREATE ROLE gridmap_plain_importer")
        session.exec_driver_sql("GRANT ALL ON ALL TABLES IN SCHEMA public TO"
                                " gridmap_plain_importer")
        session.exec_driver_sql("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO"
                                " gridmap_plain_importer")
        session.exec_driver_sql("SET LOCAL ROLE gridmap_plain_importer")
    data = csv_bytes(*[line(f"OB{i}", point=(0.5 + i / 10, 0.5), building="")
                       for i in range(12)], line("OBB", building="1101010010020010001"))
    opts = imports.options("t.csv", mapping=COLUMNS, strict=True)
    who = imports.Importer("test", Rules.from_config(app.config), (73.0, 3.0, 136.0, 54.0))
    assert imports.import_file(session, data, opts, "t.csv", who).loaded == 13
    superuser = conn.execute(text("SELECT rolsuper FROM pg_roles"
                                  " WHERE rolname = current_user")).scalar()
    assert superuser == (role == "superuser")
    rows = conn.execute(text(
        "SELECT e.id, o.kind, o.payload, o.incident_id = e.incident_id AS same,"
        " jsonb_build_object('event_id', e.id, 'incident_id', e.incident_id,"
        " 'action', e.action, 'from_status', e.from_status, 'to_status', e.to_status,"
        " 'at', e.at) AS expected"
        " FROM incident_events e JOIN incidents i ON i.id = e.incident_id"
        " LEFT JOIN outbox o ON o.event_id = e.id WHERE i.external_id LIKE 'OB%'")).all()
    assert len(rows) == 13
    assert all(r.kind == "report" and r.same and r.payload == r.expected for r in rows)
    assert conn.execute(text("SELECT count(*) FROM outbox o JOIN incidents i"
                             " ON i.id = o.incident_id WHERE i.external_id LIKE 'OB%'")
                        ).scalar() == 13
