"""Webhook endpoints scoped to communities (issue 21, closing the loop): ``communities``,
the ids of the communities whose incidents' events an endpoint hears; NULL: every
community (an administrator limited to no communities only). The fan-out joins each event's
incident to where it is located (``incident_locations``). An index of delivered outbox rows
by age for the retention pass of the delivery worker.

Revision ID: 0022_hooks
Revises: 0021_outbox
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0022_hooks'
down_revision = '0021_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('webhook_endpoints',
                  sa.Column('communities', postgresql.ARRAY(sa.Integer()), nullable=True))
    op.create_check_constraint('ck_webhook_endpoints_communities', 'webhook_endpoints',
                               'cardinality(communities) > 0')
    op.create_index('ix_outbox_fanned_out', 'outbox', ['created_at'],
                    postgresql_where=sa.text('fanned_out_at IS NOT NULL'))


def downgrade():
    op.drop_index('ix_outbox_fanned_out', table_name='outbox')
    op.drop_constraint('ck_webhook_endpoints_communities', 'webhook_endpoints', type_='check')
    op.drop_column('webhook_endpoints', 'communities')
