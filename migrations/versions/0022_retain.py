"""Issue 24 part 4: retention. Reporters' personal data in incidents finished more than
N years ago is removed by one set-based step (``geo.incidents.retention``):
``incidents.anonymised_at`` says when; a partial index holds exactly the finished
incidents that still carry a reporter's name or phone, by closure time, so finding a
day's or a year's worth is an index range scan however many incidents there are (it
shrinks as they are anonymised); another holds the call-back ratings that still carry a
comment, by time. ``retention_runs`` is the history of runs (when, the cut-off, how many).

And the dispatcher's search at ten million incidents (issue 24 part 4): each branch of the
search's OR gets an index, so PostgreSQL combines index scans (BitmapOr) instead of reading
every incident — the reporter's phone as the digits compared, and trigram indexes on the
description and the address (``pg_trgm``, as the buildings' address has since 0003).

Revision ID: 0022_retain
Revises: 0022_eval
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_retain'
down_revision = '0022_eval'
branch_labels = None
depends_on = None

HOLDS_REPORTER = ("closed_at IS NOT NULL"
                  " AND (reporter_name IS NOT NULL OR reporter_phone IS NOT NULL)")


def upgrade():
    op.add_column('incidents', sa.Column('anonymised_at', sa.DateTime(timezone=True),
                                         nullable=True))
    op.create_index('ix_incidents_retention', 'incidents', ['closed_at'],
                    postgresql_where=sa.text(HOLDS_REPORTER))
    op.create_index('ix_incident_ratings_comment_at', 'incident_ratings', ['at'],
                    postgresql_where=sa.text('comment IS NOT NULL'))
    op.create_index('ix_incidents_reporter_digits', 'incidents',
                    [sa.text("regexp_replace(reporter_phone, '\\D', '', 'g')")],
                    postgresql_where=sa.text('reporter_phone IS NOT NULL'))
    for column in ('description', 'address'):
        op.create_index(f'ix_incidents_{column}_trgm', 'incidents', [column],
                        postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})
    op.create_table(
        'retention_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('before', sa.DateTime(timezone=True), nullable=False),
        sa.Column('incidents', sa.Integer(), nullable=False),
        sa.Column('ratings', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_retention_runs_at', 'retention_runs', ['at'])


def downgrade():
    op.drop_index('ix_retention_runs_at', table_name='retention_runs')
    op.drop_table('retention_runs')
    op.drop_index('ix_incident_ratings_comment_at', table_name='incident_ratings')
    for name in ('address_trgm', 'description_trgm', 'reporter_digits'):
        op.drop_index(f'ix_incidents_{name}', table_name='incidents')
    op.drop_index('ix_incidents_retention', table_name='incidents')
    op.drop_column('incidents', 'anonymised_at')
