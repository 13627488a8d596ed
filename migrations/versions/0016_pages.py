"""Issue 26 (the dispatcher's and the admin's pages): a per-category factor by which an
urgent incident's (priority 1) response and resolution limits are shortened, and an account
flag that asks for a new password at the next sign-in (after an admin reset it).

Revision ID: 0016_pages
Revises: 0014_field
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_pages'
down_revision = "0014_field"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('categories', sa.Column('urgent_factor', sa.Float(), server_default='0.5',
                                          nullable=False))
    op.create_check_constraint('ck_categories_urgent_factor', 'categories',
                               'urgent_factor > 0 AND urgent_factor <= 1')
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(),
                                     server_default=sa.text('false'), nullable=False))


def downgrade():
    op.drop_column('users', 'must_change_password')
    op.drop_constraint('ck_categories_urgent_factor', 'categories', type_='check')
    op.drop_column('categories', 'urgent_factor')
