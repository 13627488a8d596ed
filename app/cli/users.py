"""``flask --app wsgi users ...``: provision staff accounts."""

from __future__ import annotations

import sys

import click
from flask import current_app
from sqlalchemy import func, select

from app.cli.common import in_transaction
from app.extensions import db
from app.models import USER_ROLES, Community, Department, GridMember, User
from app.security import accounts
from geo.core.errors import NotFound


def _piped_password() -> str | None:
    """The first line of stdin when a password is piped in (never a prompt)."""
    return None if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n") or None


@click.group("users")
def users():
    """Staff accounts."""


@users.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(USER_ROLES), required=True)
@click.option("--community", "communities", multiple=True, metavar="CODE",
              help="Limit the account to this community (repeatable; none = all).")
@click.option("--street", "streets", multiple=True, metavar="CODE",
              help="Limit the account to every community of this 9-digit street.")
@click.option("--member", "member_id", type=int, metavar="ID",
              help="role member: the grid worker (grid_members.id) the account is, for "
                   "the field app.")
@click.option("--department", "department_id", type=int, metavar="ID",
              help="role department: the department (departments.id) whose queue the "
                   "account works.")
def create(name: str, role: str, communities: tuple[str, ...], streets: tuple[str, ...],
           member_id: int | None, department_id: int | None):
    """Add an account. The password is read from stdin when piped, else generated."""
    given = _piped_password()
    if member_id is not None and role != "member":
        raise click.UsageError("--member is for accounts of role member")
    if department_id is not None and role != "department":
        raise click.UsageError("--department is for accounts of role department")

    def change():
        ids = accounts.community_ids(communities, streets)
        if member_id is not None and db.session.get(GridMember, member_id) is None:
            raise NotFound(f"no grid worker {member_id}")
        if department_id is not None and db.session.get(Department, department_id) is None:
            raise NotFound(f"no department {department_id}")
        return accounts.create_user(name, role, password=given or None, communities=ids,
                                    min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                                    grid_member_id=member_id, department_id=department_id)

    password = in_transaction(change)
    limited = f", limited to {len(communities) + len(streets)} area(s)" if (
        communities or streets) else ""
    click.echo(f"user {name} created ({role}{limited})")
    if not given:
        click.echo(f"password: {password}")


@users.command("disable")
@click.argument("name")
def disable(name: str):
    """Disable an account: its sessions end and its tokens stop working."""
    in_transaction(lambda: accounts.set_active(name, False))
    click.echo(f"user {name} disabled")


@users.command("enable")
@click.argument("name")
def enable(name: str):
    """Enable a disabled account again."""
    in_transaction(lambda: accounts.set_active(name, True))
    click.echo(f"user {name} enabled")


@users.command("password")
@click.argument("name")
def password(name: str):
    """Set a new password read from stdin (or generated and printed); ends sessions."""
    given = _piped_password()
    new = given or accounts.new_password()
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    in_transaction(lambda: accounts.set_password(name, new, min_length))
    click.echo(f"password of {name} changed" + ("" if given else f": {new}"))


@users.command("list")
def list_users():
    """Accounts, roles, community limits."""
    for user, codes in accounts.users_with_scope():
        state = "active" if user.active else "disabled"
        click.echo(f"{user.username}\t{user.role}\t{state}\t{' '.join(codes) or 'all'}")


@users.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any account exists.")
def demo_users(if_empty: bool):
    """One account per role for trying gridmap out (development only), printed once."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("demo accounts are refused when GRIDMAP_ENV=production")
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            return
        raise click.ClickException("accounts exist already; demo accounts are for an empty "
                                   "database")
    made = in_transaction(_make_demo_users)
    click.echo("demo accounts (development only; shown this once):")
    for name, role, secret, limit in made:
        click.echo(f"  {name:<16} {secret:<18} {role:<10} {limit}")


def _make_demo_users() -> list[tuple[str, str, str, str]]:
    street = db.session.scalar(select(func.min(Community.street_code)))
    worker = db.session.execute(
        select(GridMember.id, GridMember.community_id)
        .where(GridMember.community_id.is_not(None)).order_by(GridMember.id).limit(1)).first()
    department = db.session.scalar(select(func.min(Department.id)))
    made = []
    for role in USER_ROLES:
        ids, limit, member_id = [], "all communities", None
        dept_id = department if role == "department" else None
        if dept_id is not None:
            limit = f"department {dept_id}"
        if role == "dispatcher" and street:
            ids, limit = accounts.community_ids((), [street]), f"street {street}"
        if role == "member" and worker:
            member_id, ids, limit = worker.id, [worker.community_id], "one community"
        if role == "community_admin" and worker:
            ids, limit = [worker.community_id], "one community"
        name = f"demo-{role}"
        secret = accounts.create_user(name, role, password=None, communities=ids,
                                      grid_member_id=member_id, department_id=dept_id,
                                      min_length=10)
        made.append((name, role, secret, limit))
    return made
