"""Incident intake and workflow: categories with time limits, holidays, routing and flags
on incidents, event details, workers on duty, trigram search over buildings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OPEN_WHERE = ("status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'returned', "
              "'reopened')")

# The documented defaults (README "Categories and time limits"); admins change them.
DEFAULT_CATEGORIES = [
    # code, English, response h, resolve h, clock, route to
    ("环境卫生", "Sanitation", 2, 24, "working", "grid"),
    ("占道经营", "Street vending", 2, 24, "working", "grid"),
    ("违章搭建", "Illegal construction", 4, 168, "working", "grid"),
    ("噪音扰民", "Noise", 1, 24, "calendar", "grid"),
    ("邻里纠纷", "Neighbour dispute", 4, 72, "working", "community_office"),
    ("设施损坏", "Damaged facility", 4, 72, "working", "grid"),
    ("消防隐患", "Fire hazard", 0.5, 12, "calendar", "grid"),
    ("垃圾分类", "Waste sorting", 4, 48, "working", "grid"),
    ("市政设施", "Municipal facility", 4, 120, "working", "grid"),
    ("其他", "Other", 8, 72, "working", "grid"),
]


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    categories = op.create_table('categories',
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=True),
    sa.Column('response_hours', sa.Float(), nullable=False),
    sa.Column('resolve_hours', sa.Float(), nullable=False),
    sa.Column('clock', sa.String(length=10), nullable=False),
    sa.Column('route_to', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.CheckConstraint("clock IN ('calendar', 'working')", name='ck_categories_clock'),
    sa.CheckConstraint("route_to IN ('grid', 'community_office')", name='ck_categories_route_to'),
    sa.CheckConstraint('response_hours > 0 AND resolve_hours >= response_hours', name='ck_categories_hours'),
    sa.PrimaryKeyConstraint('code')
    )
    op.bulk_insert(categories, [
        dict(zip(("code", "name_en", "response_hours", "resolve_hours", "clock", "route_to"), row,
                 strict=True)) for row in DEFAULT_CATEGORIES])
    op.create_table('holidays',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name='ck_holidays_kind'),
    sa.PrimaryKeyConstraint('day')
    )
    op.add_column('grid_members', sa.Column('on_duty', sa.Boolean(), server_default=sa.text('true'), nullable=False))
    op.add_column('incident_events', sa.Column('user_id', sa.Integer(), nullable=True))
    op.add_column('incident_events', sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_foreign_key(None, 'incident_events', 'users', ['user_id'], ['id'])
    op.drop_constraint('ck_incident_locations_state', 'incident_locations', type_='check')
    op.create_check_constraint('ck_incident_locations_state', 'incident_locations',
                               "state IN ('covered', 'snapped', 'out_of_area', 'moved')")
    for name, kind in (('building_id', sa.Integer()), ('routed_to', sa.String(length=20)),
                       ('boundary_grid_id', sa.Integer()), ('boundary_distance_m', sa.Float()),
                       ('duplicate_of_id', sa.BigInteger()), ('merged_into_id', sa.BigInteger())):
        op.add_column('incidents', sa.Column(name, kind, nullable=True))
    for name in ('response_due_at', 'updated_at'):
        op.add_column('incidents', sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(None, 'incidents', 'buildings', ['building_id'], ['id'])
    op.create_foreign_key(None, 'incidents', 'grids', ['boundary_grid_id'], ['id'])
    op.create_foreign_key(None, 'incidents', 'incidents', ['duplicate_of_id'], ['id'])
    op.create_foreign_key(None, 'incidents', 'incidents', ['merged_into_id'], ['id'])
    op.create_index('ix_incidents_assignee_id', 'incidents', ['assignee_id'], unique=False)
    op.create_index('ix_incidents_open_due', 'incidents', ['due_at'], unique=False,
                    postgresql_where=sa.text(OPEN_WHERE))
    for name in ('duplicate_of_id', 'merged_into_id'):
        op.create_index(f'ix_incidents_{name}', 'incidents', [name], unique=False,
                        postgresql_where=sa.text(f'{name} IS NOT NULL'))
    op.create_index('ix_buildings_address_trgm', 'buildings', ['address'], unique=False,
                    postgresql_using='gin', postgresql_ops={'address': 'gin_trgm_ops'})
    op.create_index('ix_buildings_name_trgm', 'buildings', ['name'], unique=False,
                    postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})


def downgrade():
    op.drop_index('ix_buildings_name_trgm', table_name='buildings')
    op.drop_index('ix_buildings_address_trgm', table_name='buildings')
    op.drop_index('ix_incidents_open_due', table_name='incidents')
    op.drop_index('ix_incidents_merged_into_id', table_name='incidents')
    op.drop_index('ix_incidents_duplicate_of_id', table_name='incidents')
    op.drop_index('ix_incidents_assignee_id', table_name='incidents')
    for name in ('building_id', 'routed_to', 'boundary_grid_id', 'boundary_distance_m',
                 'duplicate_of_id', 'merged_into_id', 'response_due_at', 'updated_at'):
        op.drop_column('incidents', name)
    op.execute("UPDATE incident_locations SET state = 'covered' WHERE state = 'moved'")
    op.drop_constraint('ck_incident_locations_state', 'incident_locations', type_='check')
    op.create_check_constraint('ck_incident_locations_state', 'incident_locations',
                               "state IN ('covered', 'snapped', 'out_of_area')")
    op.drop_column('incident_events', 'details')
    op.drop_column('incident_events', 'user_id')
    op.drop_column('grid_members', 'on_duty')
    op.drop_table('holidays')
    op.drop_table('categories')
