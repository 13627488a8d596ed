"""Community (and street) layers on a later day: a communities layer imported with an
``effective`` date waits in boundary_changes (kind 'communities') with the communities it
will put in force in boundary_change_communities, until ``flask boundaries apply-due``
applies it on that day (the trigger of 0016_versions then dates the versions from it).

Revision ID: 0022_commver
Revises: 0022_import_outbox
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0022_commver'
down_revision = '0022_import_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column('boundary_changes', 'kind', type_=sa.String(length=12),
                    existing_type=sa.String(length=10), existing_nullable=False)
    op.drop_constraint('ck_boundary_changes_kind', 'boundary_changes', type_='check')
    op.create_check_constraint('ck_boundary_changes_kind', 'boundary_changes',
                               "kind IN ('plan', 'grids', 'communities')")
    op.create_table(
        'boundary_change_communities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('street_name', sa.String(length=200), nullable=True),
        sa.Column('street_code', sa.String(length=9), nullable=True),
        sa.Column('households', sa.Integer(), nullable=True),
        sa.Column('office_address', sa.String(length=300), nullable=True),
        sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2,
                                   spatial_index=False, from_text='ST_GeomFromEWKT',
                                   name='geometry', nullable=False), nullable=False),
        sa.CheckConstraint('ST_IsValid(geom)',
                           name='ck_boundary_change_communities_geom_valid'),
        sa.ForeignKeyConstraint(['change_id'], ['boundary_changes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_boundary_change_communities_change_id',
                    'boundary_change_communities', ['change_id'])
    op.create_geospatial_index('idx_boundary_change_communities_geom',
                               'boundary_change_communities', ['geom'], unique=False,
                               postgresql_using='gist', postgresql_ops={})


def downgrade():
    op.drop_geospatial_index('idx_boundary_change_communities_geom',
                             table_name='boundary_change_communities',
                             postgresql_using='gist', column_name='geom')
    op.drop_index('ix_boundary_change_communities_change_id',
                  table_name='boundary_change_communities')
    op.drop_table('boundary_change_communities')
    op.execute("DELETE FROM boundary_changes WHERE kind = 'communities'")
    op.drop_constraint('ck_boundary_changes_kind', 'boundary_changes', type_='check')
    op.create_check_constraint('ck_boundary_changes_kind', 'boundary_changes',
                               "kind IN ('plan', 'grids')")
    op.alter_column('boundary_changes', 'kind', type_=sa.String(length=10),
                    existing_type=sa.String(length=12), existing_nullable=False)
