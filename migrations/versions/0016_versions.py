"""Communities (and the streets they name) versioned like grids: community_versions keeps
every version of a community's boundary, name and street with valid_from/valid_to
(exclusive); communities stays the current one (its id is what everything refers to). A
trigger writes the versions whenever a community is added or its boundary, name, code or
street changes — dated from ``gridmap.valid_from`` (SET LOCAL) when a change gives a day,
else today; a second change on the same day replaces that day's version. A community's
first version (added, or before this migration) is dated from 1900-01-01 unless a day is
given: it existed before it was recorded, as lookups have always answered.

Revision ID: 0016_versions
Revises: 0015_overlays
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0016_versions'
down_revision = '0015_overlays'
branch_labels = None
depends_on = None

_TRIGGER = """
CREATE FUNCTION community_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    given date := nullif(current_setting('gridmap.valid_from', true), '')::date;
    day date := coalesce(given, current_date);
BEGIN
    IF TG_OP = 'INSERT' THEN  -- first recorded: it existed before, unless a day is given
        day := coalesce(given, DATE '1900-01-01');
    END IF;
    IF TG_OP = 'UPDATE'
       AND NEW.code = OLD.code AND NEW.name = OLD.name
       AND NEW.street_name IS NOT DISTINCT FROM OLD.street_name
       AND NEW.street_code IS NOT DISTINCT FROM OLD.street_code
       AND ST_AsEWKB(NEW.geom) = ST_AsEWKB(OLD.geom) THEN
        RETURN NEW;
    END IF;
    DELETE FROM community_versions
     WHERE community_id = NEW.id AND valid_to IS NULL AND valid_from >= day;
    UPDATE community_versions SET valid_to = day
     WHERE community_id = NEW.id AND valid_to IS NULL;
    INSERT INTO community_versions (community_id, code, name, street_name, street_code,
                                    geom, valid_from)
    VALUES (NEW.id, NEW.code, NEW.name, NEW.street_name, NEW.street_code, NEW.geom, day);
    RETURN NEW;
END $$;
CREATE TRIGGER communities_version AFTER INSERT OR UPDATE ON communities
    FOR EACH ROW EXECUTE FUNCTION community_version();
"""


def upgrade():
    op.create_table(
        'community_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('street_name', sa.String(length=200), nullable=True),
        sa.Column('street_code', sa.String(length=9), nullable=True),
        sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2,
                                   spatial_index=False, from_text='ST_GeomFromEWKT',
                                   name='geometry', nullable=False), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from',
                           name='ck_community_versions_validity'),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_geospatial_index('idx_community_versions_geom', 'community_versions', ['geom'],
                               unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_community_versions_community_id', 'community_versions',
                    ['community_id'])
    op.create_index('uq_community_versions_current', 'community_versions', ['community_id'],
                    unique=True, postgresql_where=sa.text('valid_to IS NULL'))
    op.execute("INSERT INTO community_versions (community_id, code, name, street_name,"
               " street_code, geom, valid_from) SELECT id, code, name, street_name,"
               " street_code, geom, DATE '1900-01-01' FROM communities")
    op.execute(_TRIGGER)


def downgrade():
    op.execute("DROP TRIGGER communities_version ON communities")
    op.execute("DROP FUNCTION community_version()")
    op.drop_index('uq_community_versions_current', table_name='community_versions')
    op.drop_index('ix_community_versions_community_id', table_name='community_versions')
    op.drop_geospatial_index('idx_community_versions_geom', table_name='community_versions',
                             postgresql_using='gist', column_name='geom')
    op.drop_table('community_versions')
