"""``flask --app wsgi field due-soon``: the field app's notifications made by the scheduler
loop (scripts/run.sh runs it with ``boundaries apply-due``)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from geo.field import notifications

field = AppGroup("field", help="The grid workers' field app.")


@field.command("due-soon")
@click.option("--quiet", is_flag=True, help="Print nothing when nothing was made.")
def due_soon(quiet: bool):
    """Notify workers of their open tasks due within 2 hours (once per task and deadline)."""
    made = notifications.make_due_soon(db.session.connection())
    db.session.commit()
    if made or not quiet:
        click.echo(f"{made} due-soon notification(s) made")
