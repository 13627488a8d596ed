"""Issue 24's figures, on the public lookup (GET /api/v1/lookup under gunicorn as `make run`
starts it, wrk at 8 connections): read from a streaming standby vs the primary, through
PgBouncer (transaction pooling) vs direct, two app nodes vs one (sharing a Redis for the
rate limits); and the lookup statement alone: the PL/pgSQL function gridmap_lookup (its plan
kept per session, the one path direct and pooled) vs the same statement as plain SQL
(planned each time, what the pooled path cost before) and PREPARE/EXECUTE.

    python -m bench --only scale     # on the bench city (var/bench-pg)
    python -m bench.bench_scale      # on a throw-away cluster with the small demo

The standby (pg_basebackup -R), PgBouncer and Redis are Debian's, started by
scripts/scaletools.py on free ports and stopped afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
from sqlalchemy import Engine, create_engine, text

from bench.bench_lookup import DURATION, _free_port, _serve
from bench.common import OUT, ROOT, Row, pgcluster

sys.path.insert(0, str(ROOT / "scripts"))
import scaletools  # noqa: E402

from geo.places.store import reads  # noqa: E402

CLIENTS = 8
# Seconds of one measured run: short, so that the two runs compared share the machine's
# load of the moment (other engineers' jobs come and go within a 15 s run).
SLICE = min(5, DURATION)


def run(engine: Engine, reps: int) -> list[Row]:
    return measure(engine.url.port, engine.url.database, reps,
                   standby=_alone(engine.url.port, engine.url.database))


def _alone(port: int, db: str) -> bool:
    """Whether ``db`` is the cluster's only database (a standby is a base backup of the
    whole cluster: on a shared bench cluster that would copy every other database)."""
    conn = psycopg2.connect(host="127.0.0.1", port=port, user=pgcluster.SUPERUSER, dbname=db)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE NOT datistemplate"
                           " AND datname NOT IN ('postgres', current_database())")
            return cursor.fetchone()[0] == 0
    finally:
        conn.close()


def measure(port: int, db: str, reps: int, standby: bool = True) -> list[Row]:
    points = _points(pgcluster.url(port, db))
    rows = [_query_row(port, db, points)]
    # PgBouncer as docs/scaling.md lays it out: beside the database, the app reaching it
    # by TCP and it reaching PostgreSQL by its unix socket; and, for the strictest
    # comparison, the app reaching it by its socket too, vs the app by the socket direct.
    pooler = scaletools.start_pgbouncer(port, pool_size=20)
    redis = scaletools.start_redis()
    try:
        direct = pgcluster.url(port, db)
        base = {**os.environ, "DATABASE_URL": direct, "GRIDMAP_SECRET_KEY": "bench",
                "GRIDMAP_RATELIMIT_PUBLIC": "1000000000 per minute",
                "GRIDMAP_IMPORT_JOBS_THREAD": "false"}
        if standby:
            rows.append(_standby_row(port, db, base, points, reps))
        else:
            rows.append(Row("lookup read from a streaming standby vs the primary", "–", "–",
                            "–", ">= 90 %", None,
                            ["not measured: the cluster holds other databases, which a "
                             "base backup would copy; `python -m bench.bench_scale` "
                             "measures it on a throw-away cluster"]))

        pooled = {**base, "DATABASE_URL": pooler.url(db), "GRIDMAP_DATABASE_POOLED": "true"}
        rows.append(_hop_row(port, pooler.port, db, points))
        rows.append(_pair("lookup through PgBouncer (transaction mode) vs direct (app → TCP → "
                          "PgBouncer → unix socket → PostgreSQL vs app → TCP → PostgreSQL)",
                          [pooled], [base], points, reps, "direct", target=0.9,
                          watch=scaletools.pooler_pid(pooler)))
        socket = {**base, "DATABASE_URL": f"postgresql://{pgcluster.SUPERUSER}@/{db}"
                  f"?host={scaletools.socket_dir(port)}&port={port}"}
        rows.append(_pair("lookup through PgBouncer vs direct, unix sockets only (app → "
                          "PgBouncer → PostgreSQL vs app → PostgreSQL)",
                          [{**pooled, "DATABASE_URL": pooler.url(db, unix=True)}], [socket],
                          points, reps, "direct, unix socket", target=None,
                          watch=scaletools.pooler_pid(pooler)))
        node = {**base, "GRIDMAP_WORKERS": "1", "GRIDMAP_RATELIMIT_STORAGE_URI": redis.url}
        rows.append(_pair("lookup on 2 nodes vs 1 (1 worker each, limits in Redis)",
                          [node, node], [node], points, reps, "1 node", target=None))
    finally:
        scaletools.stop_redis(redis)
        scaletools.stop_pgbouncer(pooler)
    return rows


def _standby_row(port: int, db: str, base: dict, points: Path, reps: int) -> Row:
    standby_port, standby_dir = scaletools.start_standby(port)
    try:
        replica = {**base, "GRIDMAP_READ_DATABASE_URL": pgcluster.url(standby_port, db)}
        return _pair("lookup read from a streaming standby vs the primary",
                     [replica], [base], points, reps, "primary", target=0.9)
    finally:
        scaletools.stop_server(standby_dir)
        shutil.rmtree(standby_dir, ignore_errors=True)


def _points(url: str) -> Path:
    """Points inside the current grids (one per grid, at most 20,000) for wrk."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids"
            " WHERE valid_to IS NULL ORDER BY id LIMIT 20000) s")).all()
    engine.dispose()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "scale-points.txt"
    path.write_text("".join(f"lon={x:.7f}&lat={y:.7f}\n" for x, y in rows))
    return path


def _query_row(port: int, db: str, points: Path, n: int = 3000) -> Row:
    """The lookup statement on one connection, n points: the function vs plain SQL (and
    PREPARE/EXECUTE, in the notes)."""
    pairs = [dict(p.split("=") for p in line.split("&"))
             for line in points.read_text().split()][:200]
    values = [{"lon": float(p["lon"]), "lat": float(p["lat"]), "snap": 50.0} for p in pairs]
    statement = reads._LOOKUP_NOW
    for n_, name in enumerate(("lon", "lat", "snap"), start=1):
        statement = statement.replace(f"${n_}", f"CAST(%({name})s AS float8)")
    conn = psycopg2.connect(host="127.0.0.1", port=port, user=pgcluster.SUPERUSER, dbname=db)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("PREPARE bench_lookup (float8, float8, float8) AS "
                       + reads._LOOKUP_NOW)
        timings = {}
        for label, sql in (
                ("plain", statement),
                ("prepared", "EXECUTE bench_lookup (%(lon)s, %(lat)s, %(snap)s)"),
                ("function", "SELECT gridmap_lookup(CAST(%(lon)s AS float8),"
                             " CAST(%(lat)s AS float8), CAST(%(snap)s AS float8))")):
            for v in values[:50]:  # warm
                cursor.execute(sql, v)
            started = time.perf_counter()
            for i in range(n):
                cursor.execute(sql, values[i % len(values)])
                cursor.fetchone()
            timings[label] = (time.perf_counter() - started) / n * 1e6
    conn.close()
    faster = timings["plain"] / timings["function"]
    return Row("lookup statement alone, one connection: gridmap_lookup() vs plain SQL",
               f"{timings['function']:.0f} µs", f"{timings['plain']:.0f} µs (plain SQL)",
               f"{faster:.1f}x faster", "informative (planning each time)", None,
               [f"{n} lookups each, {len(values)} points; PREPARE/EXECUTE "
                f"{timings['prepared']:.0f} µs"])


def _hop_row(port: int, pooler_port: int, db: str, points: Path, rounds: int = 6,
             n: int = 400) -> Row:
    """gridmap_lookup() on one connection through PgBouncer vs direct, in turn (n calls a
    turn): what the pooler's hop costs the statement, without HTTP."""
    values = [(float(p["lon"]), float(p["lat"]), 50.0) for p in (
        dict(kv.split("=") for kv in line.split("&"))
        for line in points.read_text().split()[:200])]
    sql = ("SELECT gridmap_lookup(CAST(%s AS float8), CAST(%s AS float8),"
           " CAST(%s AS float8))")
    conns = {}
    for key, p in (("direct", port), ("pooled", pooler_port)):
        conns[key] = psycopg2.connect(host="127.0.0.1", port=p, user=pgcluster.SUPERUSER,
                                      dbname=db)
        conns[key].autocommit = True
    spent = {"direct": [], "pooled": []}
    for r in range(rounds + 1):
        for key, conn in conns.items():
            with conn.cursor() as cursor:
                started = time.perf_counter()
                for i in range(n):
                    cursor.execute(sql, values[i % len(values)])
                    cursor.fetchone()
                if r:  # the first round warms (plans, caches)
                    spent[key].append((time.perf_counter() - started) / n * 1e6)
    for conn in conns.values():
        conn.close()
    share = statistics.median(d / p for d, p in zip(spent["direct"], spent["pooled"],
                                                     strict=True))
    return Row("lookup statement alone, one connection: through PgBouncer vs direct",
               f"{statistics.median(spent['pooled']):.0f} µs",
               f"{statistics.median(spent['direct']):.0f} µs (direct)",
               f"{share:.0%} of the rate", "informative (the pooler's hop)", None,
               [f"{rounds} rounds of {n} calls each, in turn; ratio: the median of the "
                "rounds' direct time / pooled time"])


def _pair(task: str, ours: list[dict], plain: list[dict], points: Path, reps: int,
          plain_label: str, target: float | None, watch: int | None = None) -> Row:
    """req/s of the servers ``ours`` (their sum, wrk on each at once, 8 connections in
    all) vs ``plain``, the same gunicorn settings and wrk connections for both. Both sets
    are started and warmed, then measured in turn in short slices (``SLICE`` s; ``reps``
    × DURATION s of each in all), the order alternating (plain, ours; ours, plain; …), so
    each round's two runs share the machine's load of the moment and neither always runs
    first; the ratio is the median of the rounds'. ``watch``: a process (the pooler)
    whose CPU time and run-queue wait per request of ours go in the notes (read between
    runs, not during them)."""
    runs: dict[str, list[float]] = {"ours": [], "plain": []}
    watched = [0, 0]
    ports = {key: [_free_port() for _ in envs] for key, envs in (("plain", plain),
                                                                  ("ours", ours))}
    servers = [_serve("wsgi:app", port, env)
               for key, envs in (("plain", plain), ("ours", ours))
               for port, env in zip(ports[key], envs, strict=True)]
    load = [os.getloadavg()[0]]
    try:
        for key in ("plain", "ours"):
            _wrk_all(ports[key], points, 3)  # warm up: connections, plans, caches
        for round_ in range(max(reps, 2) * max(1, DURATION // SLICE)):
            order = ("plain", "ours") if round_ % 2 == 0 else ("ours", "plain")
            for key in order:
                before = _schedstat(watch) if watch and key == "ours" else None
                runs[key].append(_wrk_all(ports[key], points, SLICE))
                if before:
                    watched = [w + a - b for w, a, b in zip(watched, _schedstat(watch),
                                                             before, strict=True)]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    load.append(os.getloadavg()[0])
    share = statistics.median(o / p for o, p in zip(runs["ours"], runs["plain"], strict=True))
    return Row(task, f"{statistics.median(runs['ours']):,.0f} req/s",
               f"{statistics.median(runs['plain']):,.0f} req/s ({plain_label})",
               f"{share:.0%}", f">= {target:.0%}" if target else "report",
               None if target is None else share >= target,
               ["runs req/s, in turn (order alternating): ours "
                + ", ".join(f"{r:,.0f}" for r in runs["ours"]) + " | " + plain_label + " "
                + ", ".join(f"{r:,.0f}" for r in runs["plain"])
                + "; ratio: the median of the rounds'; rates: medians; load average "
                + " → ".join(f"{x:.1f}" for x in load) + _per_request(watched, runs["ours"])])


def _schedstat(pid: int) -> tuple[int, int]:
    """(ns on a CPU, ns waiting for one) of process ``pid`` so far (Linux schedstat)."""
    run, wait, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    return int(run), int(wait)


def _per_request(watched: list[int], rates: list[float]) -> str:
    requests = sum(rates) * SLICE
    if not any(watched) or not requests:
        return ""
    return (f"; the pooler per request: {watched[0] / requests / 1000:.0f} µs on a CPU, "
            f"{watched[1] / requests / 1000:.0f} µs waiting for one")


def _wrk_all(ports: list[int], points: Path, seconds: int) -> float:
    """Total req/s of wrk run at once against each port (CLIENTS connections in all)."""
    each = max(1, CLIENTS // len(ports))
    procs = [subprocess.Popen(
        ["wrk", "-t1", f"-c{each}", f"-d{seconds}s", "-s", str(ROOT / "bench" / "lookup.lua"),
         f"http://127.0.0.1:{port}"], env={**os.environ, "POINTS": str(points)},
        stdout=subprocess.PIPE, text=True) for port in ports]
    total = 0.0
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 60)
        if "Non-2xx" in out:
            raise RuntimeError(f"the server answered errors under load:\n{out}")
        total += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return total


def main() -> None:
    """A throw-away cluster with the small demo, then the rows."""
    from bench.common import print_table

    datadir = Path(tempfile.mkdtemp(prefix="gridmap-bench-scale-"))
    url = pgcluster.start(datadir, db="gridmap_scale")
    env = {**os.environ, "DATABASE_URL": url}
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    try:
        for args in (["db", "upgrade"], ["demo", "--size", "small"]):
            subprocess.run([*flask, *args], cwd=ROOT, env=env, check=True, capture_output=True)
        rows = measure(pgcluster.port_of(datadir), "gridmap_scale",
                       int(os.environ.get("GRIDMAP_BENCH_REPS", "2")))
        table = print_table(rows)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "scale.md").write_text(table + "\n", encoding="utf-8")
    finally:
        pgcluster.destroy(datadir)


if __name__ == "__main__":
    main()
