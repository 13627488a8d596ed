"""``flask --app wsgi stats refresh``: bring the statistics' derived tables up to date."""

import time

import click

from app.extensions import db
from geo.stats import caseload, coverage, rollup


@click.group("stats")
def stats():
    """Statistics."""


@stats.command("refresh")
@click.option("--batch", type=click.IntRange(1, 1_000_000), default=50_000, show_default=True,
              help="Incidents recomputed per transaction.")
def refresh(batch: int):
    """Recompute the incident facts of every changed incident, and building coverage."""
    started, total = time.perf_counter(), 0
    while True:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
            done = caseload.refresh(conn, batch)
            left = caseload.pending(conn)
            if not left:  # the evaluation's monthly roll-up of the changed facts
                rollup.refresh(conn)
        total += done
        if not left:
            break
        click.echo(f"incident facts: {total} recomputed ...")
    with db.engine.begin() as conn:
        redone = coverage.refresh(conn)
    click.echo(f"incident facts: {total} recomputed; building coverage "
               f"{'recomputed' if redone else 'up to date'} "
               f"({time.perf_counter() - started:.1f} s)")
