"""Login sessions the server can end (sessions: one row per signed-in browser, found by
the SHA-256 of the token its cookie carries) and sign-in throttling per (typed username,
client address) (login_throttle), which replaces the per-account lock of users.

Revision ID: 0009_secb
Revises: 0008
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_secb'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sessions_user_id', 'sessions', ['user_id'])
    op.create_table(
        'login_throttle',
        sa.Column('account', sa.String(length=64), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_failed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('account', 'ip'),
    )


def downgrade():
    op.drop_table('login_throttle')
    op.drop_index('ix_sessions_user_id', table_name='sessions')
    op.drop_table('sessions')
