"""Evaluation (issue 22): the columns of incident_facts the indicators need (who had the
incident — worker or department —, the response limit and whether the first response met
it, rejected, the latest call-back rating, the 返工 count, an approved extension, the 督办
marks), 'rework' (a failed verification) counted as 返工 beside reopen and return, the
ratings' changes queueing their incident for a refresh, and every incident's facts
recomputed (set-based: 5 minutes for the one million incidents of the city demo on a
busy two-core machine).

Revision ID: 0022_eval
Revises: 0021_outbox
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_eval'
down_revision = '0021_outbox'
branch_labels = None
depends_on = None

COLUMNS = [
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_on_time', sa.Boolean(), nullable=True),
    sa.Column('rejected', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=True),
    sa.Column('rework_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('extended', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('supervised', sa.Integer(), server_default=sa.text('0'), nullable=False),
]

# Frozen copy of geo.stats.store._REFRESH's columns at this revision, over every incident.
FILL = """
WITH ev AS (
    SELECT incident_id,
           min(at) FILTER (WHERE action IN ('accept', 'dispatch')) AS responded_at,
           min(at) FILTER (WHERE action = 'resolve') AS resolved_at,
           min(id) FILTER (WHERE action = 'resolve') AS first_resolve_id,
           max(id) FILTER (WHERE action IN ('reopen', 'return', 'rework')) AS last_rework_id,
           bool_or(action = 'extend_approve') AS extended,
           count(*) FILTER (WHERE action = 'supervise') AS supervised
      FROM incident_events GROUP BY incident_id),
rt AS (
    SELECT DISTINCT ON (incident_id) incident_id, rating FROM incident_ratings
     ORDER BY incident_id, at DESC, id DESC)
UPDATE incident_facts f SET
       reworked = coalesce(e.last_rework_id > e.first_resolve_id, false),
       assignee_id = i.assignee_id, department_id = i.department_id,
       response_due_at = i.response_due_at,
       responded_on_time = CASE WHEN e.responded_at IS NOT NULL
            THEN i.response_due_at IS NULL OR e.responded_at <= i.response_due_at END,
       rejected = i.status = 'rejected', rating = rt.rating, rework_count = i.rework_count,
       extended = coalesce(e.extended, false), supervised = coalesce(e.supervised, 0)
  FROM incidents i LEFT JOIN ev e ON e.incident_id = i.id
  LEFT JOIN rt ON rt.incident_id = i.id
 WHERE i.id = f.incident_id
"""


def upgrade():
    for column in COLUMNS:
        op.add_column('incident_facts', column)
    for operation, transition in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        trigger = f"stats_incident_ratings_{operation.lower()}"
        op.execute(f"CREATE TRIGGER {trigger} AFTER {operation} ON incident_ratings"
                   f" REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT"
                   " EXECUTE FUNCTION stats_mark_event()")
        op.execute(f"ALTER TABLE incident_ratings ENABLE ALWAYS TRIGGER {trigger}")
    op.execute("SET LOCAL statement_timeout = 0")  # the app's 15 s is for requests
    op.execute(FILL)
    op.execute("ANALYZE incident_facts")


def downgrade():
    for operation in ("INSERT", "UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER stats_incident_ratings_{operation.lower()}"
                   " ON incident_ratings")
    for column in reversed(COLUMNS):
        op.drop_column('incident_facts', column.name)
