"""Verification (核查) and resident call-back (回访): who verifies a category's resolved work,
an incident's 返工 count, and the ratings of closures (one per closure).

Revision ID: 0020_verify
Revises: 0019_escalate
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_verify'
down_revision = '0019_escalate'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('categories', sa.Column('verify_by', sa.String(length=20),
                                          server_default='dispatcher', nullable=False))
    op.create_check_constraint('ck_categories_verify_by', 'categories',
                               "verify_by IN ('dispatcher', 'grid_chief', 'reporter')")
    op.add_column('incidents', sa.Column('rework_count', sa.Integer(),
                                         server_default=sa.text('0'), nullable=False))
    op.create_table(
        'incident_ratings',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=False),
        sa.Column('closure_event_id', sa.BigInteger(), nullable=False),
        sa.Column('rating', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.String(length=500), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('reopened', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.CheckConstraint("rating IN ('satisfied', 'fair', 'unsatisfied')",
                           name='ck_incident_ratings_rating'),
        sa.CheckConstraint("channel IN ('resident', 'phone')",
                           name='ck_incident_ratings_channel'),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id']),
        sa.ForeignKeyConstraint(['closure_event_id'], ['incident_events.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_incident_ratings_closure', 'incident_ratings', ['closure_event_id'],
                    unique=True)
    op.create_index('ix_incident_ratings_incident_id', 'incident_ratings', ['incident_id'])


def downgrade():
    op.drop_table('incident_ratings')
    op.drop_column('incidents', 'rework_count')
    op.drop_constraint('ck_categories_verify_by', 'categories', type_='check')
    op.drop_column('categories', 'verify_by')
