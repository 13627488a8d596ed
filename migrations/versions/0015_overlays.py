"""Responsibility overlays (部件先属主、事件先属地): polygons, or lines with a buffer, whose
unit (a department, a property company or a grid) answers for the categories they cover,
dated like grids; categories gain ``precedence`` (place: the grid first, owner: the overlay
first); incidents record the overlay they were routed by (routed_to 'overlay', now checked).

Revision ID: 0015_overlays
Revises: 0014_field
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0015_overlays'
down_revision = '0014_field'
branch_labels = None
depends_on = None

ROUTES = ("'full_time', 'substitute', 'grid_chief', 'community_office', 'unassigned', "
          "'manual', 'overlay'")


def upgrade():
    op.create_table(
        'overlays',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('unit', sa.String(length=12), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('company_name', sa.String(length=200), nullable=True),
        sa.Column('company_phone', sa.String(length=30), nullable=True),
        sa.Column('grid_code', sa.String(length=15), nullable=True),
        sa.Column('categories', postgresql.ARRAY(sa.String(length=50)), nullable=False),
        sa.Column('buffer_m', sa.Float(), nullable=True),
        sa.Column('geom', Geometry(geometry_type='GEOMETRY', srid=4326, dimension=2,
                                   spatial_index=False, from_text='ST_GeomFromEWKT',
                                   name='geometry', nullable=False), nullable=False),
        sa.Column('reach', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2,
                                    spatial_index=False, from_text='ST_GeomFromEWKT',
                                    name='geometry', nullable=False), nullable=False),
        sa.Column('area_m2', sa.Float(), nullable=False),
        sa.Column('valid_from', sa.Date(), server_default=sa.text('CURRENT_DATE'),
                  nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint("kind IN ('road', 'market', 'compound', 'park', 'other')",
                           name='ck_overlays_kind'),
        sa.CheckConstraint("unit IN ('department', 'company', 'grid')", name='ck_overlays_unit'),
        sa.CheckConstraint("(unit = 'department') = (department_id IS NOT NULL)"
                           " AND (unit = 'company') = (company_name IS NOT NULL)"
                           " AND (unit = 'grid') = (grid_code IS NOT NULL)",
                           name='ck_overlays_unit_named'),
        sa.CheckConstraint("CASE WHEN GeometryType(geom) = 'MULTILINESTRING'"
                           " THEN buffer_m > 0 AND buffer_m <= 500"
                           " ELSE GeometryType(geom) = 'MULTIPOLYGON' AND buffer_m IS NULL END",
                           name='ck_overlays_shape'),
        sa.CheckConstraint('ST_IsValid(geom)', name='ck_overlays_geom_valid'),
        sa.CheckConstraint('cardinality(categories) > 0', name='ck_overlays_categories'),
        sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from',
                           name='ck_overlays_validity'),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    # Routing probes it once per incident: the point in the reach.
    op.create_geospatial_index('idx_overlays_reach', 'overlays', ['reach'], unique=False,
                               postgresql_using='gist', postgresql_ops={})
    # Every geometry column has its one GiST index (the map's layer reads by bbox).
    op.create_geospatial_index('idx_overlays_geom', 'overlays', ['geom'], unique=False,
                               postgresql_using='gist', postgresql_ops={})
    op.add_column('categories', sa.Column('precedence', sa.String(length=10),
                                          server_default='place', nullable=False))
    op.create_check_constraint('ck_categories_precedence', 'categories',
                               "precedence IN ('place', 'owner')")
    op.add_column('incidents', sa.Column('overlay_id', sa.Integer(), nullable=True))
    op.create_foreign_key('incidents_overlay_id_fkey', 'incidents', 'overlays',
                          ['overlay_id'], ['id'])
    op.create_index('ix_incidents_overlay_id', 'incidents', ['overlay_id'],
                    postgresql_where=sa.text('overlay_id IS NOT NULL'))
    op.create_check_constraint('ck_incidents_routed_to', 'incidents',
                               f"routed_to IN ({ROUTES})")
    op.create_check_constraint('ck_incidents_overlay', 'incidents',
                               "routed_to <> 'overlay' OR overlay_id IS NOT NULL")


def downgrade():
    op.execute("UPDATE incidents SET routed_to = 'unassigned', overlay_id = NULL"
               " WHERE routed_to = 'overlay'")
    op.drop_constraint('ck_incidents_overlay', 'incidents', type_='check')
    op.drop_constraint('ck_incidents_routed_to', 'incidents', type_='check')
    op.drop_index('ix_incidents_overlay_id', table_name='incidents')
    op.drop_constraint('incidents_overlay_id_fkey', 'incidents', type_='foreignkey')
    op.drop_column('incidents', 'overlay_id')
    op.drop_constraint('ck_categories_precedence', 'categories', type_='check')
    op.drop_column('categories', 'precedence')
    op.drop_geospatial_index('idx_overlays_reach', table_name='overlays',
                             postgresql_using='gist', column_name='reach')
    op.drop_geospatial_index('idx_overlays_geom', table_name='overlays',
                             postgresql_using='gist', column_name='geom')
    op.drop_table('overlays')
