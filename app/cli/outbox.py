"""``flask --app wsgi outbox run``: the delivery worker (scripts/run.sh starts it beside the
server). Several may run at once: leases keep them off each other's rows."""

from __future__ import annotations

import datetime as dt
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from geo.incidents import intake
from geo.outbox import worker

outbox = AppGroup("outbox", help="The outbox: webhooks and other deliveries of incident events.")


def _calendar(rules: intake.Rules):
    return lambda conn: intake.settings(conn, rules)[1]


@outbox.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit (nothing waits for retries).")
@click.option("--interval", type=float, default=None,
              help="Seconds between passes when idle (default OUTBOX_POLL_SECONDS).")
def run(once: bool, interval: float | None):
    """Deliver the outbox and fire deadline reminders; until stopped."""
    config = current_app.config
    settings = worker.Settings(disable_after=config["OUTBOX_DISABLE_AFTER"],
                               sms_gateway=config["SMS_GATEWAY_URL"],
                               keep=dt.timedelta(days=config["OUTBOX_KEEP_DAYS"]),
                               calendar_of=_calendar(intake.Rules.from_config(config)))
    pause = interval if interval is not None else config["OUTBOX_POLL_SECONDS"]
    with db.engine.connect() as conn:
        while True:
            done = worker.step(conn, conn.commit, worker.now(), settings)
            conn.commit()
            if once:
                click.echo(f"{done} delivery attempt(s)")
                return
            if not done:
                time.sleep(pause)
