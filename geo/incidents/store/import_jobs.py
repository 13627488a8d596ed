"""SQL of the import jobs (``geo.incidents.imports.jobs``): submit, lease, progress, end.

A worker takes the oldest job nobody holds with ``FOR UPDATE SKIP LOCKED`` — several
workers (threads, processes, machines) never take the same row — and marks it running
with a lease (``lease_until``) that its heartbeat renews. A job whose lease ran out is
one whose worker died (a restart): it is taken again, up to :data:`MAX_ATTEMPTS` times,
then failed. Ending a job is fenced by (worker, attempt): a worker that lost its lease
cannot mark the job done, and its import transaction is rolled back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Connection, RowMapping, text

MAX_ATTEMPTS = 2

_SUBMIT = """
    INSERT INTO import_jobs (user_id, actor, scope, file_name, options, data, rows_total)
    VALUES (:user_id, :actor, :scope, :name, CAST(:options AS jsonb), :data, :total)
    RETURNING id
"""
# Jobs whose worker stopped too often are failed first, so that they are never taken.
_GIVE_UP = f"""
    UPDATE import_jobs SET state = 'failed', finished_at = now(), data = NULL, lease_until = NULL,
           error = jsonb_build_object('code', 'interrupted', 'message',
               'the import stopped (the server restarted) {MAX_ATTEMPTS} times; '
               'nothing was written')
     WHERE state = 'running' AND lease_until < now() AND attempts >= {MAX_ATTEMPTS}
"""
_TAKE = f"""
    UPDATE import_jobs j SET state = 'running', worker = :worker, attempts = attempts + 1,
           started_at = coalesce(started_at, now()), step = 'read', rows_done = 0,
           lease_until = now() + make_interval(secs => :lease)
      FROM (SELECT id FROM import_jobs
             WHERE state = 'queued'
                OR (state = 'running' AND lease_until < now() AND attempts < {MAX_ATTEMPTS})
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) next
     WHERE j.id = next.id
    RETURNING j.id, j.user_id, j.actor, j.scope, j.file_name, j.options, j.data, j.attempts
"""
_RENEW = """
    UPDATE import_jobs SET lease_until = now() + make_interval(secs => :lease)
     WHERE id = :id AND worker = :worker AND attempts = :attempt AND state = 'running'
"""
_PROGRESS = """
    UPDATE import_jobs SET step = :step, rows_done = :done, rows_total = :total,
           lease_until = now() + make_interval(secs => :lease)
     WHERE id = :id AND worker = :worker AND attempts = :attempt AND state = 'running'
"""
_END = """
    UPDATE import_jobs SET state = :state, step = :step, result = CAST(:result AS jsonb),
           error = CAST(:error AS jsonb), finished_at = now(), data = NULL, lease_until = NULL
     WHERE id = :id AND worker = :worker AND attempts = :attempt AND state = 'running'
"""
_READ = """
    SELECT id, user_id, actor, file_name, options, state, step, rows_done, rows_total,
           attempts, result, error, created_at, started_at, finished_at
      FROM import_jobs WHERE id = :id
"""


def submit(conn: Connection, *, user_id: int | None, actor: str, scope: list[int] | None,
           name: str, options: Mapping, data: bytes, total: int | None) -> int:
    """Queue a job for ``data``; its id."""
    return conn.execute(text(_SUBMIT), {
        "user_id": user_id, "actor": actor, "scope": scope, "name": name,
        "options": json.dumps(dict(options)), "data": data, "total": total}).scalar_one()


def take(conn: Connection, worker: str, lease_s: float) -> RowMapping | None:
    """Lease the next job (see above), or None when there is none."""
    conn.execute(text(_GIVE_UP))
    return conn.execute(text(_TAKE), {"worker": worker, "lease": lease_s}).mappings().first()


def renew(conn: Connection, key: Mapping, lease_s: float) -> bool:
    """Extend a held lease; False when the job is no longer this worker's."""
    return conn.execute(text(_RENEW), {**key, "lease": lease_s}).rowcount == 1


def progress(conn: Connection, key: Mapping, lease_s: float, step: str, done: int,
             total: int | None) -> bool:
    """Record progress (and renew the lease); False when the job is no longer held."""
    return conn.execute(text(_PROGRESS), {**key, "lease": lease_s, "step": step,
                                          "done": done, "total": total}).rowcount == 1


def end(conn: Connection, key: Mapping, *, result: Mapping | None = None,
        error: Mapping | None = None) -> bool:
    """Mark a held job done (``result``) or failed (``error``); False when not held."""
    return conn.execute(text(_END), {
        **key, "state": "failed" if error else "done", "step": "done",
        "result": json.dumps(result, ensure_ascii=False) if result is not None else None,
        "error": json.dumps(error, ensure_ascii=False) if error is not None else None,
    }).rowcount == 1


def read(conn: Connection, job_id: int) -> RowMapping | None:
    """A job's state, progress and outcome (not its file)."""
    return conn.execute(text(_READ), {"id": job_id}).mappings().first()


def presets(conn: Connection, user_id: int) -> list[RowMapping]:
    """An account's saved column mappings, by name."""
    return list(conn.execute(text(
        "SELECT id, name, mapping, options, created_at FROM import_presets"
        " WHERE user_id = :u ORDER BY name"), {"u": user_id}).mappings())


def save_preset(conn: Connection, user_id: int, name: str, mapping: Mapping,
                options: Mapping) -> int:
    """Save (or replace, by name) a preset of ``user_id``; its id."""
    return conn.execute(text(
        "INSERT INTO import_presets (user_id, name, mapping, options)"
        " VALUES (:u, :n, CAST(:m AS jsonb), CAST(:o AS jsonb))"
        " ON CONFLICT (user_id, name) DO UPDATE SET mapping = EXCLUDED.mapping,"
        " options = EXCLUDED.options RETURNING id"),
        {"u": user_id, "n": name, "m": json.dumps(dict(mapping), ensure_ascii=False),
         "o": json.dumps(dict(options), ensure_ascii=False)}).scalar_one()


def delete_preset(conn: Connection, user_id: int, preset_id: int) -> bool:
    """Delete one of ``user_id``'s presets; False when it has none by that id."""
    return conn.execute(text("DELETE FROM import_presets WHERE id = :i AND user_id = :u"),
                        {"i": preset_id, "u": user_id}).rowcount == 1
