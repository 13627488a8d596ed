"""Statistics for bulk loads: a loader may defer the statistics triggers for its own
transaction (``SET LOCAL gridmap.stats_deferred = 'on'``) and queue the ids it wrote as a
few ranges (stats_ranges) instead of a million rows; ``geo.caseload.refresh`` turns the
ranges into queued incidents a batch at a time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MARK = """
CREATE OR REPLACE FUNCTION stats_mark_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {skip}INSERT INTO stats_dirty (incident_id) SELECT DISTINCT {column} FROM changed
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""
SKIP = ("IF current_setting('gridmap.stats_deferred', true) = 'on' THEN\n"
        "        RETURN NULL;  -- the loader queues its ids as ranges itself\n"
        "    END IF;\n    ")
EMPTIED = """
CREATE OR REPLACE FUNCTION stats_incidents_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN  -- DELETE: a TRUNCATE naming these tables too is still using them here
    DELETE FROM incident_facts;
    DELETE FROM stats_dirty;{ranges}
    RETURN NULL;
END $$
"""


def upgrade():
    op.create_table(
        'stats_ranges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first_id', sa.BigInteger(), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('first_id <= last_id', name='ck_stats_ranges_order'),
        sa.PrimaryKeyConstraint('id'))
    for name, column in (("incident", "id"), ("event", "incident_id")):
        op.execute(MARK.format(name=name, column=column, skip=SKIP))
    op.execute(EMPTIED.format(ranges="\n    DELETE FROM stats_ranges;"))


def downgrade():
    # Queued ranges become queued incidents before the table goes.
    op.execute("INSERT INTO stats_dirty (incident_id) SELECT generate_series(first_id,"
               " last_id) FROM stats_ranges ON CONFLICT DO NOTHING")
    for name, column in (("incident", "id"), ("event", "incident_id")):
        op.execute(MARK.format(name=name, column=column, skip=""))
    op.execute(EMPTIED.format(ranges=""))
    op.drop_table('stats_ranges')
