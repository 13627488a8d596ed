"""Statistics: one narrow row of derived times per incident (incident_facts), the queue of
incidents whose row must be recomputed (stats_dirty, filled by statement-level triggers),
and each building's distance to the nearest home of a serving party member
(building_coverage, recomputed when party members or buildings change).

See geo/caseload.py and geo/coverage.py for the definitions and how these stay current.
The facts of the incidents already stored are computed here, set-based (about a minute
for the one million incidents of the `city` demo).

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None

# Frozen copy of geo.caseload.FACTS_SELECT at the time of this revision.
FILL = """
INSERT INTO incident_facts (incident_id, grid_id, community_id, category, reported_at,
                            response_s, resolved_at, reworked, closed_at, close_s, on_time,
                            merged)
SELECT i.id, l.grid_id, l.community_id, i.category, i.reported_at,
       CASE WHEN e.responded_at IS NOT NULL  -- greatest() would turn NULL into 0
            THEN greatest(extract(epoch FROM e.responded_at - i.reported_at), 0) END,
       e.resolved_at, coalesce(e.last_rework_id > e.first_resolve_id, false),
       c.closed_at, CASE WHEN c.closed_at IS NOT NULL
                         THEN greatest(extract(epoch FROM c.closed_at - i.reported_at), 0) END,
       CASE WHEN c.closed_at IS NOT NULL THEN i.due_at IS NULL OR c.closed_at <= i.due_at END,
       i.merged_into_id IS NOT NULL
  FROM incidents i
  LEFT JOIN incident_locations l ON l.incident_id = i.id
  LEFT JOIN (SELECT incident_id,
                    min(at) FILTER (WHERE action IN ('accept', 'dispatch')) AS responded_at,
                    min(at) FILTER (WHERE action = 'resolve') AS resolved_at,
                    min(id) FILTER (WHERE action = 'resolve') AS first_resolve_id,
                    max(id) FILTER (WHERE action IN ('reopen', 'return')) AS last_rework_id
               FROM incident_events GROUP BY incident_id) e ON e.incident_id = i.id
  CROSS JOIN LATERAL (SELECT CASE WHEN i.status = 'closed' AND i.merged_into_id IS NULL
                                  THEN i.closed_at END AS closed_at) c
"""

MARK = """
CREATE FUNCTION stats_mark_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_dirty (incident_id) SELECT DISTINCT {column} FROM changed
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""
# (table, the function marking its rows, operation, transition table)
TRIGGERS = [
    ("incidents", "incident", "INSERT", "NEW"), ("incidents", "incident", "UPDATE", "NEW"),
    ("incidents", "incident", "DELETE", "OLD"),
    ("incident_events", "event", "INSERT", "NEW"),
    ("incident_locations", "event", "INSERT", "NEW"),
    ("incident_locations", "event", "UPDATE", "NEW"),
    ("incident_locations", "event", "DELETE", "OLD"),
]
COVERAGE_TRIGGERS = [("party_members", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
                     ("buildings", "INSERT OR DELETE OR TRUNCATE OR UPDATE OF geom")]
# No foreign keys from the derived tables (they would stop a plain TRUNCATE of incidents
# or buildings elsewhere); emptying incidents empties the facts instead.
EMPTIED = """
CREATE FUNCTION stats_incidents_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN  -- DELETE: a TRUNCATE naming these tables too is still using them here
    DELETE FROM incident_facts;
    DELETE FROM stats_dirty;
    RETURN NULL;
END $$
"""


def upgrade():
    op.create_table('incident_facts',
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response_s', sa.Float(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reworked', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_s', sa.Float(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('merged', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('incident_id')
    )
    # Covering indexes: each of the three sums of geo.caseload is an index-only scan.
    op.create_index('ix_incident_facts_reported_at', 'incident_facts', ['reported_at'],
                    postgresql_include=['grid_id', 'community_id', 'category', 'merged',
                                        'response_s'])
    op.create_index('ix_incident_facts_closed_at', 'incident_facts', ['closed_at'],
                    postgresql_where=sa.text('closed_at IS NOT NULL'),
                    postgresql_include=['grid_id', 'community_id', 'category', 'on_time',
                                        'close_s'])
    op.create_index('ix_incident_facts_resolved_at', 'incident_facts', ['resolved_at'],
                    postgresql_where=sa.text('resolved_at IS NOT NULL'),
                    postgresql_include=['grid_id', 'community_id', 'category', 'merged',
                                        'reworked'])
    op.create_table('stats_dirty',
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('incident_id')
    )
    op.create_table('building_coverage',
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('nearest_home_m', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('building_id')
    )
    op.create_table('stats_state',
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('dirty', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.execute("INSERT INTO stats_state (name, dirty) VALUES ('coverage', true)")
    op.execute(MARK.format(name="incident", column="id"))
    op.execute(MARK.format(name="event", column="incident_id"))
    # ENABLE ALWAYS: bulk writers (geo.bulk) set session_replication_role = replica to
    # check foreign keys once, which silences ordinary triggers; these must still fire.
    for table, name, operation, transition in TRIGGERS:
        trigger = f"stats_{table}_{operation.lower()}"
        op.execute(f"CREATE TRIGGER {trigger} AFTER {operation} ON {table} REFERENCING"
                   f" {transition} TABLE AS changed FOR EACH STATEMENT"
                   f" EXECUTE FUNCTION stats_mark_{name}()")
        op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")
    op.execute(EMPTIED)
    op.execute("CREATE TRIGGER stats_incidents_truncate AFTER TRUNCATE ON incidents"
               " FOR EACH STATEMENT EXECUTE FUNCTION stats_incidents_emptied()")
    op.execute("ALTER TABLE incidents ENABLE ALWAYS TRIGGER stats_incidents_truncate")
    op.execute("""CREATE FUNCTION stats_mark_coverage() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- unconditional: the row lock orders this writer against a running refresh
            UPDATE stats_state SET dirty = true WHERE name = 'coverage';
            RETURN NULL;
        END $$""")
    for table, operations in COVERAGE_TRIGGERS:
        op.execute(f"CREATE TRIGGER stats_coverage_{table} AFTER {operations} ON {table}"
                   " FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_coverage()")
        op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER stats_coverage_{table}")
    op.execute("SET LOCAL statement_timeout = 0")  # the app's 15 s is for requests
    op.execute(FILL)
    op.execute("ANALYZE incident_facts")


def downgrade():
    for table, _, operation, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER stats_{table}_{operation.lower()} ON {table}")
    for table, _ in COVERAGE_TRIGGERS:
        op.execute(f"DROP TRIGGER stats_coverage_{table} ON {table}")
    op.execute("DROP TRIGGER stats_incidents_truncate ON incidents")
    op.execute("DROP FUNCTION stats_incidents_emptied()")
    for name in ("incident", "event", "coverage"):
        op.execute(f"DROP FUNCTION stats_mark_{name}()")
    op.drop_table('stats_state')
    op.drop_table('building_coverage')
    op.drop_table('stats_dirty')
    op.drop_index('ix_incident_facts_resolved_at', table_name='incident_facts')
    op.drop_index('ix_incident_facts_closed_at', table_name='incident_facts')
    op.drop_index('ix_incident_facts_reported_at', table_name='incident_facts')
    op.drop_table('incident_facts')
