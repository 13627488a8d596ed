"""Boundary changes on a later day: a plan published or a grids layer imported with an
``effective`` date waits in boundary_changes (with the grids it will put in force in
boundary_change_grids) until ``flask boundaries apply-due`` applies it on that day; plans
gain the status 'scheduled' meanwhile.

Revision ID: 0013_bounds
Revises: 0009_secb
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0013_bounds'
down_revision = "0012_imports"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint('ck_plans_status', 'plans', type_='check')
    op.create_check_constraint('ck_plans_status', 'plans',
                               "status IN ('draft', 'scheduled', 'published', 'discarded')")
    op.create_table(
        'boundary_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=12), server_default='scheduled', nullable=False),
        sa.Column('effective', sa.Date(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=500), nullable=True),
        sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_by', sa.String(length=100), nullable=True),
        sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("kind IN ('plan', 'grids')", name='ck_boundary_changes_kind'),
        sa.CheckConstraint("status IN ('scheduled', 'applied', 'cancelled')",
                           name='ck_boundary_changes_status'),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id']),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    # The scheduler's question: what is due? Only scheduled rows are ever asked for.
    op.create_index('ix_boundary_changes_due', 'boundary_changes', ['effective'],
                    postgresql_where=sa.text("status = 'scheduled'"))
    op.create_table(
        'boundary_change_grids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=15), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('households', sa.Integer(), nullable=True),
        sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2,
                                   spatial_index=False, from_text='ST_GeomFromEWKT',
                                   name='geometry', nullable=False), nullable=False),
        sa.CheckConstraint('ST_IsValid(geom)', name='ck_boundary_change_grids_geom_valid'),
        sa.ForeignKeyConstraint(['change_id'], ['boundary_changes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_boundary_change_grids_change_id', 'boundary_change_grids',
                    ['change_id'])
    op.create_geospatial_index('idx_boundary_change_grids_geom', 'boundary_change_grids',
                               ['geom'], unique=False, postgresql_using='gist',
                               postgresql_ops={})


def downgrade():
    op.drop_geospatial_index('idx_boundary_change_grids_geom',
                             table_name='boundary_change_grids', postgresql_using='gist',
                             column_name='geom')
    op.drop_table('boundary_change_grids')
    op.drop_index('ix_boundary_changes_due', table_name='boundary_changes')
    op.drop_table('boundary_changes')
    op.execute("UPDATE plans SET status = 'draft' WHERE status = 'scheduled'")
    op.drop_constraint('ck_plans_status', 'plans', type_='check')
    op.create_check_constraint('ck_plans_status', 'plans',
                               "status IN ('draft', 'published', 'discarded')")
