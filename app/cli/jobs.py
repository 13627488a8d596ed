"""``flask --app wsgi jobs run``: the background job runner as a process of its own."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

jobs = AppGroup("jobs", help="Background jobs (incident imports).")


@jobs.command("run")
@click.option("--once", is_flag=True, help="Run the queued jobs, then stop.")
def run(once: bool):
    """Run import jobs as they are queued (Ctrl-C or SIGTERM stops after the current one)."""
    from app import jobs as runner

    app = current_app._get_current_object()
    if once:
        done = runner.run_pending(app)
        click.echo(f"{len(done)} job(s) run" + (f": {', '.join(map(str, done))}" if done else ""))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("running import jobs; Ctrl-C stops", err=True)
    try:
        runner.run_forever(app, stop)
    except KeyboardInterrupt:
        stop.set()
