"""Imports in the background: a job per uploaded file, run by any number of workers.

:func:`submit` queues a file (in the caller's transaction); :func:`run_next` leases the
next job (``geo.incidents.store.import_jobs``: ``FOR UPDATE SKIP LOCKED``, so several
workers never run one job twice), runs the one engine (:func:`.load.import_file`) in a
transaction of its own and records progress on another connection as it goes, so that
pollers see it. The job is marked done in the import's own transaction: either the rows
and "done" are committed together, or neither is. A worker that dies (a restart) leaves
an open transaction the database rolls back, and a lease that runs out; the job is then
taken again (twice at most) or failed — never half-written.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, RowMapping

from geo.core.errors import GridmapError
from geo.core.params import Box
from geo.incidents.imports.files import Options, estimated_rows, options
from geo.incidents.imports.load import Importer, ImportResult, RowsRejected, import_file
from geo.incidents.intake import Rules
from geo.incidents.store import import_jobs as store

log = logging.getLogger(__name__)
MAX_REJECTED = 1000  # rows listed in a job's report; rejected_count has them all


@dataclass(frozen=True)
class Settings:
    """What every job runs under: the routing rules and service area of the app, the
    lease a worker holds (renewed every third of it) and how often progress is written."""

    rules: Rules
    area: Box | None = None
    lease_s: float = 30.0
    progress_every_s: float = 0.5


def submit(conn: Connection, who: Importer, name: str, opts: Options, data: bytes) -> int:
    """Queue ``data`` for import by ``who``; the job's id (visible once committed)."""
    return store.submit(conn, user_id=who.user_id, actor=who.actor,
                        scope=sorted(who.scope) if who.scope is not None else None,
                        name=name, options=dataclasses.asdict(opts) | {
                            "mapping": dict(opts.mapping)},
                        data=data, total=estimated_rows(data, opts))


class _LeaseLost(Exception):
    """Another worker holds the job now: this one's work is rolled back."""


AfterImport = Callable[[Connection, RowMapping, ImportResult], None]


def run_next(engine: Engine, worker: str, settings: Settings,
             after: AfterImport | None = None) -> int | None:
    """Run the next job, if any; its id (None: nothing to do). ``after`` is called in
    the import's transaction with the job and its result (the app's audit entry)."""
    with engine.begin() as conn:
        job = store.take(conn, worker, settings.lease_s)
    if job is None:
        return None
    key = {"id": job["id"], "worker": worker, "attempt": job["attempts"]}
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(engine, key, settings.lease_s, stop),
                            daemon=True, name=f"import-job-{job['id']}-lease")
    beat.start()
    try:
        _run(engine, job, key, settings, after)
    finally:
        stop.set()
        beat.join()
    return job["id"]


def _run(engine: Engine, job: RowMapping, key: dict, settings: Settings,
         after: AfterImport | None) -> None:
    opts = options(job["file_name"], **job["options"])
    who = Importer(job["actor"], settings.rules, settings.area, job["user_id"],
                   frozenset(job["scope"]) if job["scope"] is not None else None)
    report = _Reporter(engine, key, settings)
    try:
        with engine.begin() as conn:
            result = import_file(conn, bytes(job["data"]), opts, job["file_name"], who,
                                 progress=report)
            if after is not None:
                after(conn, job, result)
            if not store.end(conn, key, result=result.summary(MAX_REJECTED)):
                raise _LeaseLost
    except _LeaseLost:
        log.warning("import job %s: lease lost, rolled back", job["id"])
    except RowsRejected as err:
        _fail(engine, key, {"code": "rows_rejected", "message": err.message,
                            "details": err.details})
    except GridmapError as err:
        _fail(engine, key, {"code": err.code, "message": err.message})
    except Exception:
        log.exception("import job %s failed", job["id"])
        _fail(engine, key, {"code": "internal_error",
                            "message": "the import failed; nothing was written"})


def _fail(engine: Engine, key: dict, error: dict) -> None:
    with engine.begin() as conn:
        store.end(conn, key, error=error)


class _Reporter:
    """The progress callback: writes at most every ``progress_every_s`` (and each new
    step) on a connection of its own, committed at once so pollers see it."""

    def __init__(self, engine: Engine, key: dict, settings: Settings) -> None:
        self.engine, self.key, self.settings = engine, key, settings
        self.last, self.step = 0.0, ""

    def __call__(self, step: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if step == self.step and now - self.last < self.settings.progress_every_s:
            return
        self.last, self.step = now, step
        with self.engine.begin() as conn:
            store.progress(conn, self.key, self.settings.lease_s, step, done, total)


def _heartbeat(engine: Engine, key: dict, lease_s: float, stop: threading.Event) -> None:
    """Renew the lease every third of it while the job runs (long SQL steps report no
    progress for a while)."""
    while not stop.wait(lease_s / 3):
        try:
            with engine.begin() as conn:
                if not store.renew(conn, key, lease_s):
                    return
        except Exception:  # a hiccup: the next beat tries again before the lease ends
            log.warning("import job %s: lease renewal failed", key["id"], exc_info=True)
