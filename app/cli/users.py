"""``flask --app wsgi users ...`` and ``tokens ...``: provision accounts and API tokens."""

from __future__ import annotations

import sys

import click
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import USER_ROLES, Community, Grid, GridMember, User
from app.security import accounts
from geo.core.errors import GridmapError


def _run(change):
    """Run ``change`` in one transaction; a refused change is a CLI error, nothing written."""
    try:
        result = change()
        db.session.commit()
        return result
    except GridmapError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None


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
def create(name: str, role: str, communities: tuple[str, ...], streets: tuple[str, ...]):
    """Add an account. The password is read from stdin when piped, else generated."""
    given = _piped_password()

    def change():
        ids = accounts.community_ids(communities, streets)
        return accounts.create_user(name, role, password=given or None, communities=ids,
                                    min_length=current_app.config["PASSWORD_MIN_LENGTH"])

    password = _run(change)
    limited = f", limited to {len(communities) + len(streets)} area(s)" if (
        communities or streets) else ""
    click.echo(f"user {name} created ({role}{limited})")
    if not given:
        click.echo(f"password: {password}")


@users.command("disable")
@click.argument("name")
def disable(name: str):
    """Disable an account: its sessions end and its tokens stop working."""
    _run(lambda: accounts.set_active(name, False))
    click.echo(f"user {name} disabled")


@users.command("enable")
@click.argument("name")
def enable(name: str):
    """Enable a disabled account again."""
    _run(lambda: accounts.set_active(name, True))
    click.echo(f"user {name} enabled")


@users.command("password")
@click.argument("name")
def password(name: str):
    """Set a new password read from stdin (or generated and printed); ends sessions."""
    given = _piped_password()
    new = given or accounts.new_password()
    _run(lambda: accounts.set_password(name, new, current_app.config["PASSWORD_MIN_LENGTH"]))
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
    made = _run(_make_demo_users)
    click.echo("demo accounts (development only; shown this once):")
    for name, role, secret, limit in made:
        click.echo(f"  {name:<16} {secret:<18} {role:<10} {limit}")


def _make_demo_users() -> list[tuple[str, str, str, str]]:
    street = db.session.scalar(select(func.min(Community.street_code)))
    worker = db.session.execute(
        select(GridMember.id, Grid.community_id).join(Grid, Grid.id == GridMember.grid_id)
        .where(Grid.valid_to.is_(None)).order_by(GridMember.id).limit(1)).first()
    made = []
    for role in USER_ROLES:
        ids, limit, member_id = [], "all communities", None
        if role == "dispatcher" and street:
            ids, limit = accounts.community_ids((), [street]), f"street {street}"
        if role == "member" and worker:
            member_id, ids, limit = worker.id, [worker.community_id], "one community"
        name = f"demo-{role}"
        secret = accounts.create_user(name, role, password=None, communities=ids,
                                      grid_member_id=member_id, min_length=10)
        made.append((name, role, secret, limit))
    return made


@click.group("tokens")
def tokens():
    """API tokens for machine clients."""


@tokens.command("create")
@click.argument("name")
@click.option("--label", default="cli", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 3650),
              help="Valid for this many days (default: the API_TOKEN_DAYS setting).")
@click.option("--no-expiry", is_flag=True, help="A token that never expires.")
def create_token(name: str, label: str, days: int | None, no_expiry: bool):
    """Make a token for user NAME; the token is printed alone on the last line."""
    days = None if no_expiry else (days or current_app.config["API_TOKEN_DAYS"])
    token, secret = _run(lambda: accounts.create_token(name, label, days))
    until = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "never"
    click.echo(f"token {token.id} for {name} ({label}), expires {until}; store it now, "
               "it is not shown again:")
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int):
    """Revoke a token by its id; it stops working at once."""
    _run(lambda: accounts.revoke_token(token_id))
    click.echo(f"token {token_id} revoked")


@tokens.command("list")
def list_tokens():
    """Tokens with their owner, expiry and state (never the secrets)."""
    for token, username in accounts.tokens_with_owner():
        state = accounts.token_state(token)
        until = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "never"
        click.echo(f"{token.id}\t{username}\t{token.name}\t{state}\texpires {until}")
