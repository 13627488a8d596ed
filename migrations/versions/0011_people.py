"""People and organisations kept in the product (issue 19): workers serve grids through
dated worker_grids rows (the old grid_members.grid_id moves there), carry publication
consent, a duty schedule and leave with a substitute (worker_leave; the old on_duty flag
becomes an open leave without a substitute, and is dropped: on duty is now derived);
party organisations form a tree (parent_id) and party members carry their community,
work unit, registration and leaving dates and the 双报到 decision; departments and
resident units with the communities and categories they serve; a category says where an
incident goes when no worker is on duty (off_hours); the community_admin role.

Existing workers were shown on the public map before consent was kept: they stay
published, with consent_on empty (the pages list them as "consent date unknown").

Revision ID: 0011_people
Revises: 0009_secb
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011_people'
down_revision = "0010_catpublic"
branch_labels = None
depends_on = None

ROLES = "'grid_chief', 'full_time', 'part_time', 'building_head', 'grid_instructor'"
OLD_ROLES = "'grid_chief', 'full_time', 'part_time', 'building_head'"
USER_ROLES = "'admin', 'planner', 'dispatcher', 'member', 'viewer', 'community_admin'"
OLD_USER_ROLES = "'admin', 'planner', 'dispatcher', 'member', 'viewer'"


WORKER_GRIDS_NOW = """
    SELECT wg.worker_id, wg.grid_id FROM worker_grids wg
     WHERE wg.served_from <= (now() AT TIME ZONE 'Asia/Shanghai')::date
       AND (wg.served_to IS NULL OR wg.served_to >= (now() AT TIME ZONE 'Asia/Shanghai')::date)"""


def _version():
    return sa.Column('version', sa.Integer(), server_default='1', nullable=False)


def _created():
    return sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                     nullable=False)


def upgrade():
    _workers()
    _party()
    _departments()
    op.add_column('categories', sa.Column('off_hours', sa.String(length=20),
                                          server_default='worker', nullable=False))
    op.create_check_constraint('ck_categories_off_hours', 'categories',
                               "off_hours IN ('worker', 'community_office', 'unassigned')")
    op.drop_constraint('ck_users_role', 'users', type_='check')
    op.create_check_constraint('ck_users_role', 'users', f"role IN ({USER_ROLES})")


def _workers():
    op.drop_constraint('ck_grid_members_role', 'grid_members', type_='check')
    op.create_check_constraint('ck_grid_members_role', 'grid_members', f"role IN ({ROLES})")
    op.add_column('grid_members', sa.Column('community_id', sa.Integer(), nullable=True))
    op.create_foreign_key('grid_members_community_id_fkey', 'grid_members', 'communities',
                          ['community_id'], ['id'])
    op.create_index('ix_grid_members_community_id', 'grid_members', ['community_id'])
    # Published before consent was kept: stay published; new rows default to not shown.
    op.add_column('grid_members', sa.Column('publish', sa.Boolean(), server_default='true',
                                            nullable=False))
    op.alter_column('grid_members', 'publish', server_default=sa.text('false'))
    op.add_column('grid_members', sa.Column('consent_on', sa.Date(), nullable=True))
    op.add_column('grid_members', sa.Column('duty_days', postgresql.ARRAY(sa.SmallInteger()),
                                            nullable=True))
    op.add_column('grid_members', sa.Column('duty_start', sa.Time(), nullable=True))
    op.add_column('grid_members', sa.Column('duty_end', sa.Time(), nullable=True))
    op.create_check_constraint('ck_grid_members_duty_hours', 'grid_members',
                               '(duty_start IS NULL) = (duty_end IS NULL)')
    op.add_column('grid_members', _version())
    op.add_column('grid_members', _created())
    op.create_table(
        'worker_grids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('worker_id', sa.Integer(), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('served_from', sa.Date(), server_default=sa.text('CURRENT_DATE'),
                  nullable=False),
        sa.Column('served_to', sa.Date(), nullable=True),
        sa.CheckConstraint('served_to IS NULL OR served_to >= served_from',
                           name='ck_worker_grids_dates'),
        sa.ForeignKeyConstraint(['grid_id'], ['grids.id']),
        sa.ForeignKeyConstraint(['worker_id'], ['grid_members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_worker_grids_grid_id', 'worker_grids', ['grid_id'])
    op.create_index('ix_worker_grids_worker_id', 'worker_grids', ['worker_id'])
    op.create_table(
        'worker_leave',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('worker_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('substitute_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        _created(),
        sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on',
                           name='ck_worker_leave_dates'),
        sa.CheckConstraint('substitute_id <> worker_id', name='ck_worker_leave_substitute'),
        sa.ForeignKeyConstraint(['substitute_id'], ['grid_members.id']),
        sa.ForeignKeyConstraint(['worker_id'], ['grid_members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_worker_leave_worker_id', 'worker_leave', ['worker_id'])
    # Who serves which grid today (local day): what every "the grid's workers" read joins
    # (lookup, grid cards, counts); geo.people.schedule.serving is the same rule at any time.
    op.execute(f"CREATE VIEW worker_grids_now AS {WORKER_GRIDS_NOW}")
    # The existing rows: the one grid becomes a served grid since the grid version's start;
    # off duty becomes leave from today, open-ended, without a substitute.
    op.execute("""
        INSERT INTO worker_grids (worker_id, grid_id, served_from)
        SELECT m.id, m.grid_id, least(g.valid_from, current_date)
          FROM grid_members m JOIN grids g ON g.id = m.grid_id""")
    op.execute("""
        UPDATE grid_members m SET community_id = g.community_id
          FROM grids g WHERE g.id = m.grid_id""")
    op.execute("""
        INSERT INTO worker_leave (worker_id, starts_on, note)
        SELECT id, current_date, 'off duty (on_duty = false before 0011)'
          FROM grid_members WHERE NOT on_duty""")
    op.drop_index('ix_grid_members_grid_id', table_name='grid_members')
    op.drop_column('grid_members', 'grid_id')
    op.drop_column('grid_members', 'on_duty')


def _party():
    op.add_column('party_orgs', sa.Column('parent_id', sa.Integer(), nullable=True))
    op.create_foreign_key('party_orgs_parent_id_fkey', 'party_orgs', 'party_orgs',
                          ['parent_id'], ['id'])
    op.create_index('ix_party_orgs_parent_id', 'party_orgs', ['parent_id'])
    op.add_column('party_orgs', _version())
    op.execute("""
        UPDATE party_orgs o SET community_id = coalesce(
                   (SELECT community_id FROM grids WHERE id = o.grid_id),
                   (SELECT community_id FROM buildings WHERE id = o.building_id))
         WHERE community_id IS NULL""")
    # The tree the flat rows imply: a group under its grid's branch, a branch under its
    # community's committee (the lowest id when there are several).
    op.execute("""
        UPDATE party_orgs o SET parent_id = (
                   SELECT min(p.id) FROM party_orgs p JOIN buildings b ON b.grid_id = p.grid_id
                    WHERE b.id = o.building_id AND p.level = 'grid_branch')
         WHERE o.level = 'building_group'""")
    op.execute("""
        UPDATE party_orgs o SET parent_id = (
                   SELECT min(p.id) FROM party_orgs p
                    WHERE p.community_id = o.community_id AND p.level = 'community_committee')
         WHERE o.level = 'grid_branch'""")
    for column in (sa.Column('community_id', sa.Integer(), nullable=True),
                   sa.Column('work_unit', sa.String(length=200), nullable=True),
                   sa.Column('phone', sa.String(length=30), nullable=True),
                   sa.Column('registered_on', sa.Date(), nullable=True),
                   sa.Column('left_on', sa.Date(), nullable=True),
                   sa.Column('status', sa.String(length=10), server_default='confirmed',
                             nullable=False),
                   sa.Column('decided_by', sa.String(length=120), nullable=True),
                   sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
                   _version(), _created()):
        op.add_column('party_members', column)
    op.create_foreign_key('party_members_community_id_fkey', 'party_members', 'communities',
                          ['community_id'], ['id'])
    op.create_index('ix_party_members_community_id', 'party_members', ['community_id'])
    op.create_check_constraint('ck_party_members_status', 'party_members',
                               "status IN ('pending', 'confirmed', 'declined')")
    op.execute("""
        UPDATE party_members p SET community_id = coalesce(
                   (SELECT community_id FROM grids WHERE id = p.serving_grid_id),
                   (SELECT community_id FROM buildings WHERE id = p.home_building_id))""")


def _departments():
    op.create_table(
        'departments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('contact_name', sa.String(length=100), nullable=True),
        sa.Column('contact_phone', sa.String(length=30), nullable=True),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        _version(), _created(),
        sa.CheckConstraint("kind IN ('department', 'resident_unit')",
                           name='ck_departments_kind'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'department_communities',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('department_id', 'community_id'),
    )
    op.create_index('ix_department_communities_community_id', 'department_communities',
                    ['community_id'])
    op.create_table(
        'department_categories',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('category_code', sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(['category_code'], ['categories.code']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('department_id', 'category_code'),
    )


def downgrade():
    op.drop_table('department_categories')
    op.drop_table('department_communities')
    op.drop_table('departments')
    op.drop_constraint('ck_users_role', 'users', type_='check')
    op.create_check_constraint('ck_users_role', 'users', f"role IN ({OLD_USER_ROLES})")
    op.drop_column('categories', 'off_hours')
    for column in ('community_id', 'work_unit', 'phone', 'registered_on', 'left_on', 'status',
                   'decided_by', 'decided_at', 'version', 'created_at'):
        op.drop_column('party_members', column)
    op.drop_column('party_orgs', 'parent_id')
    op.drop_column('party_orgs', 'version')
    op.add_column('grid_members', sa.Column('grid_id', sa.Integer(), nullable=True))
    op.add_column('grid_members', sa.Column('on_duty', sa.Boolean(),
                                            server_default=sa.text('true'), nullable=False))
    op.execute("""
        UPDATE grid_members m SET grid_id = (SELECT min(grid_id) FROM worker_grids w
                                              WHERE w.worker_id = m.id AND w.served_to IS NULL),
               on_duty = NOT EXISTS (SELECT 1 FROM worker_leave l WHERE l.worker_id = m.id
                                        AND l.ends_on IS NULL)""")
    op.create_foreign_key('grid_members_grid_id_fkey', 'grid_members', 'grids',
                          ['grid_id'], ['id'])
    op.create_index('ix_grid_members_grid_id', 'grid_members', ['grid_id'])
    op.drop_table('worker_leave')
    op.execute("DROP VIEW worker_grids_now")
    op.drop_table('worker_grids')
    op.drop_constraint('ck_grid_members_role', 'grid_members', type_='check')
    op.create_check_constraint('ck_grid_members_role', 'grid_members', f"role IN ({OLD_ROLES})")
    for column in ('community_id', 'publish', 'consent_on', 'duty_days', 'duty_start',
                   'duty_end', 'version', 'created_at'):
        op.drop_column('grid_members', column)
