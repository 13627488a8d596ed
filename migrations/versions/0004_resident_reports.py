"""Resident reports from the public map: the reference a resident looks a report up by,
the public note staff write for them, and the report's photo (re-encoded, no metadata).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resident_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('public_note', sa.String(length=500), nullable=True),
    sa.Column('public_note_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_type', sa.String(length=20), nullable=True),
    sa.CheckConstraint('photo IS NULL OR octet_length(photo) <= 2097152', name='ck_resident_reports_photo_size'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id'),
    sa.UniqueConstraint('reference')
    )


def downgrade():
    op.drop_table('resident_reports')
