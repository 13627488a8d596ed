"""The grid worker's field app: evidence photos, patrols with their points and the grids they
walked, in-app notifications; client-generated ids on actions and field reports (a repeat is a
no-op), the GPS fix of an action, and categories whose resolution needs evidence.

Revision ID: 0014_field
Revises: 0013_bounds
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0014_field'
down_revision = '0013_bounds'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('categories', sa.Column('evidence_required', sa.Boolean(),
                                          server_default=sa.text('false'), nullable=False))
    _patrols()
    op.add_column('incidents', sa.Column('client_id', sa.Uuid(), nullable=True))
    op.add_column('incidents', sa.Column('patrol_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key('fk_incidents_patrol_id', 'incidents', 'patrols', ['patrol_id'],
                          ['id'])
    op.create_index('uq_incidents_client_id', 'incidents', ['client_id'], unique=True,
                    postgresql_where=sa.text('client_id IS NOT NULL'))
    op.create_index('ix_incidents_patrol_id', 'incidents', ['patrol_id'],
                    postgresql_where=sa.text('patrol_id IS NOT NULL'))
    op.add_column('incident_events', sa.Column('client_id', sa.Uuid(), nullable=True))
    op.add_column('incident_events', sa.Column(
        'fix', Geometry('POINT', srid=4326, spatial_index=False), nullable=True))
    op.add_column('incident_events', sa.Column('fix_accuracy_m', sa.Float(), nullable=True))
    op.add_column('incident_events', sa.Column('fix_distance_m', sa.Float(), nullable=True))
    op.create_index('uq_incident_events_client_id', 'incident_events', ['client_id'],
                    unique=True, postgresql_where=sa.text('client_id IS NOT NULL'))
    # Every geometry column has its one GiST index (app/models/base.py).
    for table, column in (('incident_events', 'fix'), ('patrols', 'track'),
                          ('patrol_points', 'geom')):
        op.create_geospatial_index(f'idx_{table}_{column}', table, [column], unique=False,
                                   postgresql_using='gist', postgresql_ops={})
    _photos()
    _notifications()


def _patrols():
    op.create_table(
        'patrols',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('client_id', sa.Uuid(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(length=10), server_default='walking', nullable=False),
        sa.Column('distance_m', sa.Float(), nullable=True),
        sa.Column('track', Geometry('LINESTRING', srid=4326, spatial_index=False),
                  nullable=True),
        sa.CheckConstraint("status IN ('walking', 'finished')", name='ck_patrols_status'),
        sa.CheckConstraint("(status = 'finished') = (finished_at IS NOT NULL)",
                           name='ck_patrols_finished'),
        sa.ForeignKeyConstraint(['member_id'], ['grid_members.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_id'),
    )
    op.create_index('ix_patrols_member_started', 'patrols', ['member_id', 'started_at'])
    op.create_index('ix_patrols_started_at', 'patrols', ['started_at'])
    op.create_table(
        'patrol_points',
        sa.Column('patrol_id', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('geom', Geometry('POINT', srid=4326, spatial_index=False), nullable=False),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id']),
        sa.PrimaryKeyConstraint('patrol_id', 'at'),
    )
    op.create_table(
        'patrol_grids',
        sa.Column('patrol_id', sa.BigInteger(), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id']),
        sa.ForeignKeyConstraint(['grid_id'], ['grids.id']),
        sa.PrimaryKeyConstraint('patrol_id', 'grid_id'),
    )
    op.create_index('ix_patrol_grids_grid_id', 'patrol_grids', ['grid_id', 'last_at'])


def _photos():
    op.create_table(
        'incident_photos',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.BigInteger(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('photo', sa.LargeBinary(), nullable=False),
        sa.Column('content_type', sa.String(length=20), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.CheckConstraint('octet_length(photo) <= 2097152', name='ck_incident_photos_size'),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id']),
        sa.ForeignKeyConstraint(['event_id'], ['incident_events.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_incident_photos_incident_id', 'incident_photos', ['incident_id'])


def _notifications():
    op.create_table(
        'notifications',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=True),
        sa.Column('key', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("kind IN ('new_task', 'due_soon', 'returned', 'reopened')",
                           name='ck_notifications_kind'),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_notifications_key', 'notifications', ['user_id', 'kind', 'key'],
                    unique=True, postgresql_where=sa.text('key IS NOT NULL'))
    op.create_index('ix_notifications_user_created', 'notifications',
                    ['user_id', 'created_at'])


def downgrade():
    for table, column in (('incident_events', 'fix'), ('patrols', 'track'),
                          ('patrol_points', 'geom')):
        op.drop_geospatial_index(f'idx_{table}_{column}', table_name=table,
                                 postgresql_using='gist', column_name=column)
    op.drop_table('notifications')
    op.drop_table('incident_photos')
    op.drop_index('uq_incident_events_client_id', table_name='incident_events')
    for column in ('fix_distance_m', 'fix_accuracy_m', 'fix', 'client_id'):
        op.drop_column('incident_events', column)
    op.drop_index('ix_incidents_patrol_id', table_name='incidents')
    op.drop_index('uq_incidents_client_id', table_name='incidents')
    op.drop_constraint('fk_incidents_patrol_id', 'incidents', type_='foreignkey')
    op.drop_column('incidents', 'patrol_id')
    op.drop_column('incidents', 'client_id')
    op.drop_table('patrol_grids')
    op.drop_table('patrol_points')
    op.drop_table('patrols')
    op.drop_column('categories', 'evidence_required')
