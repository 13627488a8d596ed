"""Background jobs of the application: the runner of the import jobs.

The job logic (leases, running one import, progress, failure) is framework-free in
``geo.incidents.imports.jobs``; this package is what needs the application around it —
its settings (routing rules, service area), its database engine and its audit log — and
so lives in ``app/``. It runs either as a daemon thread in each server process
(``IMPORT_JOBS_THREAD``, started by gunicorn's ``post_fork`` hook: what ``make run``
does) or as its own process (``flask jobs run``); any mix of them is safe, since jobs
are leased with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from flask import Flask
from sqlalchemy import Connection, RowMapping

from geo.incidents.imports import jobs
from geo.incidents.imports.load import ImportResult
from geo.incidents.intake import Rules

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0


def settings(app: Flask) -> jobs.Settings:
    return jobs.Settings(Rules.from_config(app.config), app.config["SERVICE_AREA"])


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def _audit(app: Flask):
    def after(conn: Connection, job: RowMapping, result: ImportResult) -> None:
        from app.security import audit

        audit.record("incidents.import", "incidents", None, conn=conn, actor=job["actor"],
                     after={"job": job["id"], "file": job["file_name"], "rows": result.rows,
                            "loaded": result.loaded, "duplicates": result.duplicates,
                            "rejected_count": len(result.rejected)})

    return after


def run_pending(app: Flask, *, limit: int | None = None) -> list[int]:
    """Run queued jobs until there are none (or ``limit`` ran); their ids."""
    from app.extensions import db

    done: list[int] = []
    with app.app_context():
        while limit is None or len(done) < limit:
            job = jobs.run_next(db.engine, worker_name(), settings(app), _audit(app))
            if job is None:
                break
            done.append(job)
    return done


def run_forever(app: Flask, stop: threading.Event) -> None:
    """Run jobs as they come until ``stop`` is set (polling every IDLE_SECONDS)."""
    while not stop.is_set():
        try:
            ran = run_pending(app, limit=1)
        except Exception:  # the database away for a moment: try again later
            log.warning("import job runner: could not take a job", exc_info=True)
            ran = []
        if not ran:
            stop.wait(IDLE_SECONDS)


class Running:
    """A runner thread: ``close()`` stops it after the job at hand."""

    def __init__(self, app: Flask) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=run_forever, args=(app, self.stop), daemon=True,
                                       name="import-jobs")
        self.thread.start()

    def close(self, timeout: float | None = None) -> None:
        self.stop.set()
        self.thread.join(timeout)


def start_thread(app: Flask) -> Running:
    """Start the runner as a daemon thread."""
    return Running(app)
