"""Issue 21 part 5: the outbox. Every ``incident_events`` row makes an ``outbox`` row in the
same transaction (a statement trigger over the inserted rows, so set-based imports stay one
statement; a log, without foreign keys to the events or incidents, so removing those —
the demo's --replace, a test — is not held up by it); ``deliveries`` carry each outbox row to a channel's target (a webhook endpoint)
with attempts, back-off and a lease; ``webhook_endpoints`` with their ``whsec_`` secret and
event filter; ``delivery_attempts`` is the delivery log. An index of incident events by
time for Open311 ``servicerequestupdates`` (part 6). Part 2's reminders: ``reminder_steps``
(per category, NULL: the default steps) and ``reminders_sent`` (each step once per deadline);
the notification kind ``reminder``.

Revision ID: 0021_outbox
Revises: 0020_verify
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0021_outbox'
down_revision = '0020_verify'
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION outbox_from_incident_events() RETURNS trigger LANGUAGE plpgsql AS $$
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
    op.create_table(
        'outbox',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=False),
        sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('fanned_out_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )
    op.create_index('ix_outbox_pending', 'outbox', ['id'],
                    postgresql_where=sa.text('fanned_out_at IS NULL'))
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('events', postgresql.ARRAY(sa.String(length=40)),
                  server_default=sa.text("'{}'"), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=True),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint("secret LIKE 'whsec\\_%'", name='ck_webhook_endpoints_secret'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'deliveries',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('outbox_id', sa.BigInteger(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=40), nullable=True),
        sa.Column('target', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('webhook', 'sms')", name='ck_deliveries_channel'),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')",
                           name='ck_deliveries_status'),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id']),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('outbox_id', 'channel', 'target', name='uq_deliveries_target'),
    )
    op.create_index('ix_deliveries_due', 'deliveries', ['next_attempt_at'],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_deliveries_endpoint', 'deliveries', ['endpoint_id', 'id'])
    op.create_table(
        'delivery_attempts',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('delivery_id', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_delivery_attempts_delivery', 'delivery_attempts', ['delivery_id'])
    op.create_index('ix_incident_events_at', 'incident_events', ['at'])
    _reminders()
    op.execute(_FUNCTION)
    op.execute("CREATE TRIGGER trg_incident_events_outbox AFTER INSERT ON incident_events"
               " REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT"
               " EXECUTE FUNCTION outbox_from_incident_events()")


_OLD_KINDS = "kind IN ('new_task', 'due_soon', 'returned', 'reopened')"
_NEW_KINDS = "kind IN ('new_task', 'due_soon', 'returned', 'reopened', 'reminder')"
# Part 2's default steps (a category's own steps replace them): offsets in hours from the
# due time, negative in calendar time, from 0 on in working time.
_DEFAULT_STEPS = ((-2, 'assignee'), (0, 'assignee'), (0, 'grid_chief'), (24, 'community'),
                  (48, 'street'))


def _reminders():
    op.create_table(
        'reminder_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=50), nullable=True),
        sa.Column('offset_hours', sa.Float(), nullable=False),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.CheckConstraint("audience IN ('assignee', 'grid_chief', 'community', 'street')",
                           name='ck_reminder_steps_audience'),
        sa.ForeignKeyConstraint(['category'], ['categories.code'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('category', 'offset_hours', 'audience',
                            name='uq_reminder_steps_step'),
    )
    op.create_table(
        'reminders_sent',
        sa.Column('incident_id', sa.BigInteger(), nullable=False),
        sa.Column('step_id', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('fired_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['step_id'], ['reminder_steps.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('incident_id', 'step_id', 'due_at'),
    )
    for offset, audience in _DEFAULT_STEPS:
        op.execute(f"INSERT INTO reminder_steps (category, offset_hours, audience)"
                   f" VALUES (NULL, {offset}, '{audience}')")
    op.drop_constraint('ck_notifications_kind', 'notifications', type_='check')
    op.create_check_constraint('ck_notifications_kind', 'notifications', _NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'reminder'")
    op.drop_constraint('ck_notifications_kind', 'notifications', type_='check')
    op.create_check_constraint('ck_notifications_kind', 'notifications', _OLD_KINDS)
    op.drop_table('reminders_sent')
    op.drop_table('reminder_steps')
    op.execute("DROP TRIGGER trg_incident_events_outbox ON incident_events")
    op.execute("DROP FUNCTION outbox_from_incident_events()")
    op.drop_index('ix_incident_events_at', table_name='incident_events')
    op.drop_table('delivery_attempts')
    op.drop_table('deliveries')
    op.drop_table('webhook_endpoints')
    op.drop_table('outbox')
