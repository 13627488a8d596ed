"""A city of 1,000,000 incidents against a province of 10,000,000 (issue 24 part 4): the
dispatcher's queue, counts and search (the API the console calls), a month's caseload
(the statistics API), a month's evaluation of every grid (the evaluation API, issue 22), the
public lookup and the intake (``POST /api/v1/incidents``). Target: each within 1.5× of
its figure at 1M.

Two databases of the bench cluster: the city (``GRIDMAP_BENCH_DB``) and the province
(``GRIDMAP_BENCH_PROVINCE_DB``, default ``gridmap_bench_province``: a copy of the city
grown with ``flask demo --size province --history-only``). Each is measured by its own
process through the Flask test client (application and database, no HTTP server), the
two alternating ``reps`` times so both see the same machine; per request the median of
all runs. The incidents posted are deleted afterwards.

    python -m bench.bench_province --measure DB    # one process's figures, as JSON
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time

from sqlalchemy import Engine, create_engine, text

from bench.common import ROOT, Row, database_url, flask

PROVINCE_DB = os.environ.get("GRIDMAP_BENCH_PROVINCE_DB", "gridmap_bench_province")
USER = "bench-province"
TARGET = 1.5
# (name, how many times per process)
MEASURES = (("queue", 20), ("counts", 20), ("search phone, open", 10),
            ("search words, open", 10), ("search phone, any status", 10),
            ("search words, any status", 5), ("caseload, a month", 5),
            ("evaluation, a month", 3), ("lookup", 100), ("intake", 40))
# GRIDMAP_BENCH_PROVINCE_ONLY="queue;lookup": only these measures
ONLY = [m for m in os.environ.get("GRIDMAP_BENCH_PROVINCE_ONLY", "").split(";") if m]


def run(engine: Engine, reps: int) -> list[Row]:
    city = engine.url.database
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                              {"d": PROVINCE_DB}).scalar()
    if not exists:
        return [Row("province measures", "-", "-", "-", f"<= {TARGET}x", None,
                    [f"no database {PROVINCE_DB}: copy the city and grow it first"])]
    tokens = {db: _token(db) for db in (city, PROVINCE_DB)}
    runs: dict[str, list[dict]] = {city: [], PROVINCE_DB: []}
    for _ in range(max(reps, 1)):
        for db in (city, PROVINCE_DB):
            runs[db].append(_measure_in_child(db, tokens[db]))
    sizes = {db: runs[db][0]["incidents"] for db in runs}
    return [_row(name, runs[city], runs[PROVINCE_DB], sizes[city], sizes[PROVINCE_DB])
            for name, _ in MEASURES if not ONLY or name in ONLY]


def _token(db: str) -> str:
    flask("users", "create", USER, "--role", "dispatcher", db=db, check=False)
    made = flask("tokens", "create", USER, "--label", "bench", "--days", "1", db=db)
    return made.stdout.strip().splitlines()[-1]


def _measure_in_child(db: str, token: str) -> dict:
    env = {**os.environ, "GRIDMAP_BENCH_TOKEN": token}
    done = subprocess.run([sys.executable, "-m", "bench.bench_province", "--measure", db],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row(name: str, small: list[dict], big: list[dict], n_small: int, n_big: int) -> Row:
    ms_small = [v for r in small for v in r["ms"].get(name, [])]
    ms_big = [v for r in big for v in r["ms"].get(name, [])]
    if not ms_small or not ms_big:
        why = (big[0].get("skipped", {}).get(name) or small[0].get("skipped", {}).get(name)
               or "not measured")
        return Row(f"{name} at {n_big / 1e6:.0f}M vs {n_small / 1e6:.0f}M", "-", "-", "-",
                   f"<= {TARGET}x", None, [why])
    a, b = statistics.median(ms_small), statistics.median(ms_big)
    p95 = {k: sorted(v)[int(0.95 * (len(v) - 1))] for k, v in (("s", ms_small), ("b", ms_big))}
    return Row(f"{name} at {n_big / 1e6:.0f}M vs {n_small / 1e6:.0f}M incidents",
               f"{b:.1f} ms", f"{a:.1f} ms (at {n_small / 1e6:.0f}M)", f"{b / a:.2f}x",
               f"<= {TARGET}x", b / a <= TARGET,
               [f"median of {len(ms_big)} and {len(ms_small)} requests; p95 {p95['b']:.1f} "
                f"vs {p95['s']:.1f} ms"])


# --- one process: the figures of one database ------------------------------------------

def measure(db: str) -> dict:
    from app import create_app

    engine = create_engine(database_url(db))
    work = _workload(engine)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(db), "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {os.environ['GRIDMAP_BENCH_TOKEN']}"}
    requests = _requests(work, auth)
    out: dict = {"incidents": work["incidents"], "ms": {}, "skipped": {}}
    last = work["max_id"]
    try:
        for name, times in MEASURES:
            if ONLY and name not in ONLY:
                continue
            make = requests[name]
            try:
                make(client, 0)  # warm: plans, caches
                out["ms"][name] = [_timed(make, client, i) for i in range(1, times + 1)]
            except RuntimeError as err:  # e.g. the statement timeout: say so, go on
                out["skipped"][name] = f"failed: {err}"
    finally:
        _remove_after(engine, last)
    return out


def _timed(make, client, i: int) -> float:
    started = time.perf_counter()
    answer = make(client, i)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code >= 400:
        raise RuntimeError(f"{answer.status_code}: {answer.get_data(as_text=True)[:300]}")
    return elapsed


def _workload(engine: Engine) -> dict:
    """Points, phones and words drawn from the data (the same seed for both databases:
    the province holds the city's buildings and its 90 days)."""
    with engine.connect() as conn:
        points = conn.execute(text(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM buildings b TABLESAMPLE SYSTEM (2)"
            " REPEATABLE (7) CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS geom) p"
            " ORDER BY b.id LIMIT 400")).all()
        phones = conn.execute(text(
            "SELECT reporter_phone FROM incidents WHERE reporter_phone IS NOT NULL"
            " AND status IN ('reported', 'accepted', 'dispatched') ORDER BY id LIMIT 40")).scalars()
        newest = conn.execute(text("SELECT max(reported_at) FROM incidents")).scalar()
        work = {"points": [tuple(p) for p in points], "phones": list(phones),
                "incidents": conn.execute(text("SELECT count(*) FROM incidents")).scalar(),
                "max_id": conn.execute(text("SELECT max(id) FROM incidents")).scalar(),
                "categories": list(conn.execute(text("SELECT code FROM categories")).scalars())}
    # the last whole month of the city's 90 days
    first = (newest.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    work["month"] = (first, (first + dt.timedelta(days=32)).replace(day=1))
    return work


def _requests(work: dict, auth: dict) -> dict:
    rng = random.Random(20261207)
    month = {"from": work["month"][0].isoformat(), "to": work["month"][1].isoformat()}
    queue = {"status": "open", "order": "due", "limit": 50}

    def get(path, **query):
        return lambda client, i: client.get(path, query_string=query, headers=auth)

    def search(status, pick):
        return lambda client, i: client.get("/api/v1/incidents", headers=auth, query_string={
            **queue, "status": status, "q": pick(i)})

    def lookup(client, i):
        lon, lat = work["points"][i % len(work["points"])]
        return client.get("/api/v1/lookup", query_string={"lon": lon, "lat": lat})

    def intake(client, i):
        lon, lat = work["points"][(7 * i) % len(work["points"])]
        return client.post("/api/v1/incidents", headers=auth, json={
            "category": rng.choice(work["categories"]), "description": "楼道堆放杂物",
            "lon": lon, "lat": lat, "source": "hotline", "reporter_phone": "13800001111"})

    phones = work["phones"] or ["13800000000"]
    words = ["堆放", "路灯", "噪音", "积水", "井盖", "垃圾", "违章", "占道", "漏水", "树木", "广告"]
    return {
        "queue": get("/api/v1/incidents", **queue),
        "counts": get("/api/v1/incidents/counts"),
        "search phone, open": search("open", lambda i: phones[i % len(phones)]),
        "search words, open": search("open", lambda i: words[i % len(words)]),
        "search phone, any status": search("", lambda i: phones[i % len(phones)]),
        "search words, any status": search("", lambda i: words[i % len(words)]),
        "caseload, a month": get("/api/v1/stats/caseload", **month),
        "evaluation, a month": get("/api/v1/stats/evaluation", level="grid", **month),
        "lookup": lookup,
        "intake": intake,
    }


def _remove_after(engine: Engine, last: int) -> None:
    with engine.begin() as conn:
        for table, column in (("outbox", "incident_id"), ("incident_events", "incident_id"),
                              ("incident_locations", "incident_id"),
                              ("incident_facts", "incident_id"), ("stats_dirty", "incident_id")):
            conn.execute(text(f"DELETE FROM {table} WHERE {column} > :last"), {"last": last})
        conn.execute(text("UPDATE incidents SET duplicate_of_id = NULL"
                          " WHERE duplicate_of_id > :last"), {"last": last})
        conn.execute(text("DELETE FROM incidents WHERE id > :last"), {"last": last})


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
    else:
        sys.exit(__doc__)
