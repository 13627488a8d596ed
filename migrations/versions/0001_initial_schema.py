"""Initial schema: communities, grids, buildings, workers, party, incidents, plans, users.

Every geometry column is typed (SRID 4326) with one GiST index; polygon columns are
checked with ST_IsValid; grid codes are unique among current grids (valid_to IS NULL).
Incident locations (grid, community, how matched) live in their own narrow table.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # The extension may already exist (created by an administrator); never dropped on downgrade.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table('communities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('street_name', sa.String(length=200), nullable=True),
    sa.Column('street_code', sa.String(length=9), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('office_address', sa.String(length=300), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint('ST_IsValid(geom)', name='ck_communities_geom_valid'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_geospatial_index('idx_communities_geom', 'communities', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('layer_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('rows_repaired', sa.Integer(), nullable=False),
    sa.Column('options', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'planner', 'dispatcher', 'member', 'viewer')", name='ck_users_role'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published', 'discarded')", name='ck_plans_status'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_table('grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('valid_from', sa.Date(), server_default=sa.text('CURRENT_DATE'), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ST_IsValid(geom)', name='ck_grids_geom_valid'),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name='ck_grids_validity'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_grids_geom', 'grids', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_grids_community_id', 'grids', ['community_id'], unique=False)
    op.create_index('uq_grids_current_code', 'grids', ['code'], unique=True, postgresql_where=sa.text('valid_to IS NULL'))
    op.create_geospatial_table('plan_grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint('ST_IsValid(geom)', name='ck_plan_grids_geom_valid'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_plan_grids_geom', 'plan_grids', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_plan_grids_plan_id', 'plan_grids', ['plan_id'], unique=False)
    op.create_geospatial_table('buildings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=19), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('residents', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ST_IsValid(geom)', name='ck_buildings_geom_valid'),
    sa.CheckConstraint('households >= 0', name='ck_buildings_households'),
    sa.CheckConstraint('residents >= 0', name='ck_buildings_residents'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.execute("ALTER TABLE buildings SET (fillfactor = 50)")  # HOT re-assignment
    op.create_geospatial_index('idx_buildings_geom', 'buildings', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_buildings_community_id', 'buildings', ['community_id'], unique=False)
    op.create_index('ix_buildings_grid_id', 'buildings', ['grid_id'], unique=False)
    op.create_table('grid_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('public_phone', sa.String(length=30), nullable=True),
    sa.Column('private_phone', sa.String(length=30), nullable=True),
    sa.Column('service_hours', sa.String(length=100), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role IN ('grid_chief', 'full_time', 'part_time', 'building_head')", name='ck_grid_members_role'),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_grid_members_grid_id', 'grid_members', ['grid_id'], unique=False)
    op.create_geospatial_table('incidents',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reporter_name', sa.String(length=100), nullable=True),
    sa.Column('reporter_phone', sa.String(length=30), nullable=True),
    sa.CheckConstraint("source IN ('hotline', 'patrol', 'resident', 'other')", name='ck_incidents_source'),
    sa.CheckConstraint("status IN ('reported', 'accepted', 'rejected', 'dispatched', 'in_progress', 'resolved', 'returned', 'reopened', 'closed')", name='ck_incidents_status'),
    sa.ForeignKeyConstraint(['assignee_id'], ['grid_members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_incidents_geom', 'incidents', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_incidents_reported_at', 'incidents', ['reported_at'], unique=False)
    op.create_index('uq_incidents_external_id', 'incidents', ['external_id'], unique=True, postgresql_where=sa.text('external_id IS NOT NULL'))
    op.create_table('party_orgs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=30), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("level IN ('community_committee', 'grid_branch', 'building_group')", name='ck_party_orgs_level'),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('incident_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_incident_events_incident_id', 'incident_events', ['incident_id'], unique=False)
    op.create_table('incident_locations',
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('snap_distance_m', sa.Float(), nullable=True),
    sa.Column('located_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(state = 'out_of_area') = (grid_id IS NULL)", name='ck_incident_locations_grid'),
    sa.CheckConstraint("(state = 'snapped') = (snap_distance_m IS NOT NULL)", name='ck_incident_locations_snap'),
    sa.CheckConstraint("state IN ('covered', 'snapped', 'out_of_area')", name='ck_incident_locations_state'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.PrimaryKeyConstraint('incident_id')
    )
    op.create_index('ix_incident_locations_grid_id', 'incident_locations', ['grid_id'], unique=False)
    op.create_table('party_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('home_building_id', sa.Integer(), nullable=True),
    sa.Column('serving_grid_id', sa.Integer(), nullable=True),
    sa.Column('households_linked', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('resident', 'in_service')", name='ck_party_members_kind'),
    sa.ForeignKeyConstraint(['home_building_id'], ['buildings.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['party_orgs.id'], ),
    sa.ForeignKeyConstraint(['serving_grid_id'], ['grids.id'], ),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade():
    op.drop_table('party_members')
    op.drop_index('ix_incident_locations_grid_id', table_name='incident_locations')
    op.drop_table('incident_locations')
    op.drop_index('ix_incident_events_incident_id', table_name='incident_events')
    op.drop_table('incident_events')
    op.drop_table('party_orgs')
    op.drop_index('uq_incidents_external_id', table_name='incidents', postgresql_where=sa.text('external_id IS NOT NULL'))
    op.drop_index('ix_incidents_reported_at', table_name='incidents')
    op.drop_geospatial_index('idx_incidents_geom', table_name='incidents', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('incidents')
    op.drop_index('ix_grid_members_grid_id', table_name='grid_members')
    op.drop_table('grid_members')
    op.drop_index('ix_buildings_grid_id', table_name='buildings')
    op.drop_index('ix_buildings_community_id', table_name='buildings')
    op.drop_geospatial_index('idx_buildings_geom', table_name='buildings', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('buildings')
    op.drop_index('ix_plan_grids_plan_id', table_name='plan_grids')
    op.drop_geospatial_index('idx_plan_grids_geom', table_name='plan_grids', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('plan_grids')
    op.drop_index('uq_grids_current_code', table_name='grids', postgresql_where=sa.text('valid_to IS NULL'))
    op.drop_index('ix_grids_community_id', table_name='grids')
    op.drop_geospatial_index('idx_grids_geom', table_name='grids', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('grids')
    op.drop_table('plans')
    op.drop_table('users')
    op.drop_table('layer_imports')
    op.drop_geospatial_index('idx_communities_geom', table_name='communities', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('communities')
