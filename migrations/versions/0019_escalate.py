"""Departments as assignees (吹哨报到): the department role and its account's department, an
incident's department, the dispatch catalogue (派单目录: a category's default department,
overridable per street, with the department's time limits) and extension requests (延期).

Revision ID: 0019_escalate
Revises: 0016_pages
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_escalate'
down_revision = '0016_pages'
branch_labels = None
depends_on = None

USER_ROLES = ("'admin', 'planner', 'dispatcher', 'member', 'viewer', 'community_admin',"
              " 'department'")
OLD_USER_ROLES = "'admin', 'planner', 'dispatcher', 'member', 'viewer', 'community_admin'"


def upgrade():
    op.drop_constraint('ck_users_role', 'users', type_='check')
    op.create_check_constraint('ck_users_role', 'users', f"role IN ({USER_ROLES})")
    op.add_column('users', sa.Column('department_id', sa.Integer(), nullable=True))
    op.create_foreign_key('fk_users_department_id', 'users', 'departments',
                          ['department_id'], ['id'], ondelete='SET NULL')
    op.add_column('incidents', sa.Column('department_id', sa.Integer(), nullable=True))
    op.create_foreign_key('fk_incidents_department_id', 'incidents', 'departments',
                          ['department_id'], ['id'])
    op.create_index('ix_incidents_department_id', 'incidents', ['department_id'],
                    postgresql_where=sa.text('department_id IS NOT NULL'))
    op.create_table(
        'dispatch_catalogue',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category_code', sa.String(length=50), nullable=False),
        sa.Column('street_code', sa.String(length=9), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('response_hours', sa.Float(), nullable=True),
        sa.Column('resolve_hours', sa.Float(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint('response_hours IS NULL OR response_hours > 0',
                           name='ck_dispatch_catalogue_response_hours'),
        sa.CheckConstraint('resolve_hours IS NULL OR resolve_hours > 0',
                           name='ck_dispatch_catalogue_resolve_hours'),
        sa.ForeignKeyConstraint(['category_code'], ['categories.code'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_dispatch_catalogue_entry', 'dispatch_catalogue',
                    ['category_code', sa.text("coalesce(street_code, '')")], unique=True)
    op.create_table(
        'incident_extensions',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column('requested_by', sa.String(length=100), nullable=False),
        sa.Column('due_from', sa.DateTime(timezone=True), nullable=True),
        sa.Column('due_to', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), server_default='pending', nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=100), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'approved', 'refused')",
                           name='ck_incident_extensions_state'),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_incident_extensions_incident_id', 'incident_extensions',
                    ['incident_id'])
    op.create_index('uq_incident_extensions_pending', 'incident_extensions', ['incident_id'],
                    unique=True, postgresql_where=sa.text("state = 'pending'"))


def downgrade():
    op.drop_table('incident_extensions')
    op.drop_table('dispatch_catalogue')
    op.drop_index('ix_incidents_department_id', table_name='incidents')
    op.drop_constraint('fk_incidents_department_id', 'incidents', type_='foreignkey')
    op.drop_column('incidents', 'department_id')
    op.drop_constraint('fk_users_department_id', 'users', type_='foreignkey')
    op.drop_column('users', 'department_id')
    op.execute("UPDATE users SET role = 'viewer' WHERE role = 'department'")
    op.drop_constraint('ck_users_role', 'users', type_='check')
    op.create_check_constraint('ck_users_role', 'users', f"role IN ({OLD_USER_ROLES})")
