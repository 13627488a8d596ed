"""Each incident category says whether its incidents may be shown on public routes
(categories.public), and the per-account lock columns that sign-in throttling
(login_throttle, 0009) replaced are dropped (users.failed_logins, users.locked_until).

Existing categories: only the shipped categories about places and things (sanitation,
street vending, illegal construction, damaged or municipal facilities, fire hazards,
waste sorting) become public. Neighbour disputes, noise (it usually points at one
household), "other" (anything may be in it) and every category an administrator added are
not public until an administrator says so: a wrong "no" hides a pothole, a wrong "yes"
publishes a household's whereabouts. New categories start not public (server default).

Revision ID: 0010_catpublic
Revises: 0009_secb
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_catpublic'
down_revision = '0009_secb'
branch_labels = None
depends_on = None

PUBLIC_AT_START = ('环境卫生', '占道经营', '违章搭建', '设施损坏', '消防隐患', '垃圾分类', '市政设施')


def upgrade():
    op.add_column('categories', sa.Column('public', sa.Boolean(), server_default=sa.text('false'),
                                          nullable=False))
    op.execute(sa.text("UPDATE categories SET public = true WHERE code IN :codes")
               .bindparams(sa.bindparam('codes', PUBLIC_AT_START, expanding=True)))
    op.drop_column('users', 'locked_until')
    op.drop_column('users', 'failed_logins')


def downgrade():
    op.add_column('users', sa.Column('failed_logins', sa.Integer(), server_default='0',
                                     nullable=False))
    op.add_column('users', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.drop_column('categories', 'public')
