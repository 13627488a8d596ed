"""``flask --app wsgi boundaries list|apply-due|cancel``: boundary changes scheduled for a
later day (geo.boundaries.schedule). ``apply-due`` is what the scheduler loop of
scripts/run.sh runs every few minutes; it is safe to run anywhere, any number of times."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app
from flask.cli import AppGroup

from geo.boundaries import schedule
from geo.core.errors import GridmapError

boundaries = AppGroup("boundaries", help="Boundary changes scheduled for a later day.")


def apply_due(today: dt.date | None = None) -> list[dict] | None:
    """Apply every change due by ``today`` (default: today in TIMEZONE), each in its own
    transaction with its audit entry; None when another worker holds the lease."""
    from app.extensions import db
    from app.security import audit

    today = today or schedule.local_today(current_app.config["TIMEZONE"])
    appliers = _appliers()
    done = []
    for change_id in schedule.due(db.session.connection(), today):
        try:
            applied = schedule.apply_one(db.session.connection(), change_id, today, appliers)
            action = "boundaries.apply"
        except GridmapError as err:
            db.session.rollback()
            applied = schedule.record_failure(db.session.connection(), change_id, err.message)
            action = "boundaries.apply_failed"
        if applied is None:  # another worker has the lease, or got there first
            db.session.rollback()
            return done or None
        audit.record(action, "boundary_change", change_id, conn=db.session.connection(),
                     actor="scheduler", after=_brief(applied))
        db.session.commit()
        done.append(applied)
    return done


def _appliers() -> dict:
    from app.api.plans.work import rules
    from geo.layers.store.scheduled import import_scheduled
    from geo.plans.publish import publish_scheduled

    snap, plan_rules = current_app.config["ASSIGN_SNAP_METERS"], rules()
    return {"plan": lambda conn, c: publish_scheduled(conn, c, plan_rules, snap),
            "grids": lambda conn, c: import_scheduled(conn, c, snap_meters=snap),
            "communities": lambda conn, c: import_scheduled(conn, c, snap_meters=snap)}


def _brief(change: dict) -> dict:
    """The audit entry of an applied change: counts, and the incidents moved by id."""
    moved = change.get("incidents_moved") or []
    return {k: v for k, v in change.items() if not isinstance(v, list | dict)} | {
        "incidents_moved": [m["id"] for m in moved]}


@boundaries.command("apply-due")
@click.option("--quiet", is_flag=True, help="Print nothing when nothing was due.")
def apply_due_command(quiet):
    """Apply the scheduled changes whose day has come (once, whoever runs it)."""
    done = apply_due()
    if done is None:
        click.echo("another worker is applying scheduled changes; nothing done")
        return
    if not done and quiet:
        return
    click.echo(f"{len(done)} scheduled change(s) applied")
    for change in done:
        state = f"failed: {change['error']}" if "error" in change else (
            f"applied; open incidents moved: {len(change.get('incidents_moved') or [])}")
        click.echo(f"  change {change['id']} ({change['kind']}, {change['effective']}): {state}")


@boundaries.command("list")
@click.option("--status", type=click.Choice(("scheduled", "applied", "cancelled")))
def list_command(status):
    """Scheduled, applied and cancelled changes, latest day first (JSON lines)."""
    from app.extensions import db

    with db.engine.connect() as conn:
        for change in schedule.changes(conn, status):
            click.echo(json.dumps(change.answer(), ensure_ascii=False, default=str))


@boundaries.command("cancel")
@click.argument("change_id", type=int)
def cancel_command(change_id):
    """Cancel a scheduled change before its day (a plan becomes a draft again)."""
    from app.extensions import db
    from app.security import audit

    try:
        with db.engine.begin() as conn:
            change = schedule.cancel(conn, change_id, actor="cli")
            audit.record("boundaries.cancel", "boundary_change", change_id, conn=conn,
                         after=change.answer())
    except GridmapError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"change {change_id} ({change.kind}, {change.effective}) cancelled")
