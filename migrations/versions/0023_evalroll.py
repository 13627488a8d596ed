"""Evaluation (issue 22): the monthly roll-up — per local month, level, unit and category,
every indicator's numerator, denominator and extra (exact p90s), written by the live
evaluation's statement (geo.stats.rollup), kept current by the facts' refresh: triggers on
incident_facts queue the (month, level, unit)s whose facts changed.

The fill calls geo.stats.rollup (not a frozen copy of its SQL, as 0007 and 0022_eval keep
of the facts' refresh): the roll-up is a cache of the live evaluation's own statement, and
a copy would be a second definition. It keeps the TIMEZONE setting's months and writes
them all (the city demo's 1,000,000 incidents: see docs/benchmarks.md).

Revision ID: 0023_evalroll
Revises: 0023_bigram
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0023_evalroll'
down_revision = '0023_bigram'
branch_labels = None
depends_on = None

UNIT_COLUMNS = ('grid_id', 'community_id', 'assignee_id', 'department_id')
LEVELS = "ARRAY['street', 'community', 'grid', 'worker', 'department', 'total']"

FUNCTIONS = f"""
-- Keep the local months (timestamps: the months' first instants in local time) of zone tz
-- not kept yet, each queued whole at every level; how many were added.
CREATE FUNCTION eval_rollup_months_of(months timestamp[], tz text) RETURNS int
LANGUAGE sql AS $$
    WITH added AS (
        INSERT INTO eval_rollup_months (t0, t1, month, timezone)
        SELECT m AT TIME ZONE tz, (m + interval '1 month') AT TIME ZONE tz,
               to_char(m, 'YYYY-MM'), tz
          FROM unnest(months) m WHERE m IS NOT NULL
        ON CONFLICT DO NOTHING RETURNING t0),
    queued AS (
        INSERT INTO eval_rollup_dirty (t0, level, unit)
        SELECT a.t0, l.level, '*' FROM added a CROSS JOIN unnest({LEVELS}) l(level)
        ON CONFLICT DO NOTHING)
    SELECT count(*)::int FROM added
$$;

-- Queue the (month, level, unit)s the changed facts rows count in: each of its times
-- (reported, closed, first resolved) in each kept zone, under each level's unit, and the
-- totals (level 'total', unit '').
CREATE FUNCTION eval_rollup_mark(changed incident_facts[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tz text;
BEGIN
    FOR tz IN SELECT timezone FROM eval_rollup_zones LOOP
        PERFORM eval_rollup_months_of(ARRAY(
            SELECT DISTINCT date_trunc('month', x.at AT TIME ZONE tz)
              FROM unnest(changed) r
             CROSS JOIN LATERAL (VALUES (r.reported_at), (r.closed_at), (r.resolved_at)) x(at)
             WHERE x.at IS NOT NULL), tz);
        INSERT INTO eval_rollup_dirty (t0, level, unit)
        SELECT DISTINCT date_trunc('month', x.at AT TIME ZONE tz) AT TIME ZONE tz,
               u.level, u.unit
          FROM unnest(changed) r
         CROSS JOIN LATERAL (VALUES (r.reported_at), (r.closed_at), (r.resolved_at)) x(at)
          LEFT JOIN communities c ON c.id = r.community_id
          LEFT JOIN grids v ON v.id = r.grid_id
         CROSS JOIN LATERAL (VALUES ('street', c.street_code), ('community', c.code),
                                    ('grid', v.code), ('worker', r.assignee_id::text),
                                    ('department', r.department_id::text),
                                    ('total', '')) u(level, unit)
         WHERE x.at IS NOT NULL AND u.unit IS NOT NULL
        ON CONFLICT DO NOTHING;
    END LOOP;
END $$;

CREATE FUNCTION eval_rollup_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM eval_rollup_zones) THEN
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM eval_rollup_mark(ARRAY(SELECT ROW(n.*)::incident_facts FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM eval_rollup_mark(ARRAY(SELECT ROW(o.*)::incident_facts FROM old_rows o));
    ELSE  -- the rows that changed, as they were and as they are
        PERFORM eval_rollup_mark(ARRAY(
            SELECT v.x FROM old_rows o JOIN new_rows n USING (incident_id)
             CROSS JOIN LATERAL (VALUES (ROW(o.*)::incident_facts),
                                        (ROW(n.*)::incident_facts)) v(x)
             WHERE ROW(o.*) IS DISTINCT FROM ROW(n.*)));
    END IF;
    RETURN NULL;
END $$;

-- Emptied facts (tests, the demo's reload): the roll-up goes with them; its months are
-- kept again as facts arrive.
CREATE FUNCTION eval_rollup_facts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM eval_rollup_months;
    RETURN NULL;
END $$;

CREATE TRIGGER trg_incident_facts_rollup_ins AFTER INSERT ON incident_facts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION eval_rollup_facts_changed();
CREATE TRIGGER trg_incident_facts_rollup_upd AFTER UPDATE ON incident_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION eval_rollup_facts_changed();
CREATE TRIGGER trg_incident_facts_rollup_del AFTER DELETE ON incident_facts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION eval_rollup_facts_changed();
CREATE TRIGGER trg_incident_facts_rollup_trunc AFTER TRUNCATE ON incident_facts
    FOR EACH STATEMENT EXECUTE FUNCTION eval_rollup_facts_truncated();
"""


def upgrade():
    op.create_table(
        'eval_rollup_zones',
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('timezone'),
    )
    op.create_table(
        'eval_rollup_months',
        sa.Column('t0', sa.DateTime(timezone=True), nullable=False),
        sa.Column('t1', sa.DateTime(timezone=True), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['timezone'], ['eval_rollup_zones.timezone'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('t0'),
    )
    op.create_table(
        'eval_rollup',
        sa.Column('t0', sa.DateTime(timezone=True), nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('unit', sa.String(length=15), nullable=False),
        sa.Column('category', sa.String(length=50), nullable=False),
        sa.Column('sums', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('pending_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['t0'], ['eval_rollup_months.t0'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('t0', 'level', 'category', 'unit'),
    )
    op.create_table(
        'eval_rollup_dirty',
        sa.Column('t0', sa.DateTime(timezone=True), nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('unit', sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(['t0'], ['eval_rollup_months.t0'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('t0', 'level', 'unit'),
    )
    # a unit's facts, for the roll-up's rewrite of a few units (geo.stats.rollup_store)
    for column in UNIT_COLUMNS:
        op.create_index(f'ix_incident_facts_{column}', 'incident_facts', [column])
    op.execute(FUNCTIONS)
    _fill()


def _fill():
    from flask import current_app

    from geo.stats import rollup

    conn = op.get_bind()
    conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
    rollup.keep(conn, current_app.config["TIMEZONE"])
    rollup.refresh(conn)
    conn.execute(sa.text("ANALYZE eval_rollup"))


def downgrade():
    for trigger in ('ins', 'upd', 'del', 'trunc'):
        op.execute(f"DROP TRIGGER trg_incident_facts_rollup_{trigger} ON incident_facts")
    op.execute("DROP FUNCTION eval_rollup_facts_truncated(); "
               "DROP FUNCTION eval_rollup_facts_changed(); "
               "DROP FUNCTION eval_rollup_mark(incident_facts[]); "
               "DROP FUNCTION eval_rollup_months_of(timestamp[], text)")
    for column in UNIT_COLUMNS:
        op.drop_index(f'ix_incident_facts_{column}', table_name='incident_facts')
    for table in ('eval_rollup_dirty', 'eval_rollup', 'eval_rollup_months',
                  'eval_rollup_zones'):
        op.drop_table(table)
