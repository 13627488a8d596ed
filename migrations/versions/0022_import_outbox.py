"""Issue 23: the outbox row of an incident event is defined once, by the SQL function
``outbox_payload``, which the outbox trigger and the bulk import both call. The import
writes its events with the row-by-row triggers off (``geo.pg.bulk``: the foreign keys
checked once, set-based), which also silences the outbox trigger; it then writes the
outbox rows of exactly those events itself, in the same statement, by the same function.
Every other writer still goes through the trigger.

Revision ID: 0022_import_outbox
Revises: 0022_lookupfn
Create Date: 2026-12-07
"""
from alembic import op

revision = '0022_import_outbox'
down_revision = '0022_lookupfn'
branch_labels = None
depends_on = None

_PAYLOAD = """
CREATE FUNCTION outbox_payload(event_id bigint, incident_id bigint, action text,
                               from_status text, to_status text, at timestamptz)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('event_id', event_id, 'incident_id', incident_id,
                              'action', action, 'from_status', from_status,
                              'to_status', to_status, 'at', at)
$$"""

_FUNCTION = """
CREATE OR REPLACE FUNCTION outbox_from_incident_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (event_id, kind, incident_id, payload)
    SELECT n.id, n.action, n.incident_id,
           outbox_payload(n.id, n.incident_id, n.action, n.from_status, n.to_status, n.at)
      FROM new_events n;
    RETURN NULL;
END $$"""

_OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION outbox_from_incident_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (event_id, kind, incident_id, payload)
    SELECT n.id, n.action, n.incident_id,
           jsonb_build_object('event_id', n.id, 'incident_id', n.incident_id,
                              'action', n.action, 'from_status', n.from_status,
                              'to_status', n.to_status, 'at', n.at)
      FROM new_events n;
    RETURN NULL;
END $$"""


def upgrade():
    op.execute(_PAYLOAD)
    op.execute(_FUNCTION)


def downgrade():
    op.execute(_OLD_FUNCTION)
    op.execute("DROP FUNCTION outbox_payload(bigint, bigint, text, text, text, timestamptz)")
