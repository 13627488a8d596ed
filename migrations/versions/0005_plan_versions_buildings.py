"""Redraw plans: a version counter for concurrent edits (ETag/If-Match), where a plan came
from and when it last changed; building → grid code assignments for building-based editing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Every write to a plan bumps version; a write naming an older one is refused (412).
    op.add_column('plans', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('plans', sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False))
    op.add_column('plans', sa.Column('source', sa.String(length=20), nullable=True))
    op.create_index('ix_plans_community_id', 'plans', ['community_id'])
    # Counting and moving the people of a grid (plan impact, publish) looks them up by grid.
    # IF NOT EXISTS: another branch may add the same index.
    op.execute("CREATE INDEX IF NOT EXISTS ix_party_members_serving_grid_id"
               " ON party_members (serving_grid_id)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_party_orgs_grid_id ON party_orgs (grid_id)")
    op.create_table('plan_buildings',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'building_id')
    )


def downgrade():
    op.drop_table('plan_buildings')
    op.execute("DROP INDEX IF EXISTS ix_party_orgs_grid_id")
    op.execute("DROP INDEX IF EXISTS ix_party_members_serving_grid_id")
    op.drop_index('ix_plans_community_id', table_name='plans')
    op.drop_column('plans', 'source')
    op.drop_column('plans', 'updated_at')
    op.drop_column('plans', 'version')
