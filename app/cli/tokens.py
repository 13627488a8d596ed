"""``flask --app wsgi tokens ...``: API tokens for machine clients."""

from __future__ import annotations

import click
from flask import current_app

from app.cli.common import in_transaction
from app.security import accounts


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
    token, secret = in_transaction(lambda: accounts.create_token(name, label, days))
    until = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "never"
    click.echo(f"token {token.id} for {name} ({label}), expires {until}; store it now, "
               "it is not shown again:")
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int):
    """Revoke a token by its id; it stops working at once."""
    in_transaction(lambda: accounts.revoke_token(token_id))
    click.echo(f"token {token_id} revoked")


@tokens.command("list")
def list_tokens():
    """Tokens with their owner, expiry and state (never the secrets)."""
    for token, username in accounts.tokens_with_owner():
        state = accounts.token_state(token)
        until = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "never"
        click.echo(f"{token.id}\t{username}\t{token.name}\t{state}\texpires {until}")
