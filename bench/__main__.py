"""``make bench``: measure gridmap against the plain tools on the `city` demo, print a table.

    python -m bench [--only assign,lookup,buildings,import,hotline,intake,console,
                            ogc,public_map,plans,autodraft,maps,people,field,
                            patrols,work,scale,evaluation,reports,
                            province,search]
                     [--reps N]

Runs on its own production-like PostGIS cluster under var/bench-pg (fsync on; kept
between runs so the city is generated once; ``make stop`` does not touch it, and
``python scripts/pgcluster.py stop var/bench-pg`` does). Results also go to
bench/out/results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import platform

from sqlalchemy import create_engine

from bench.common import OUT, database_url, ensure_city, print_table, start_cluster

BENCHES = ("assign", "lookup", "buildings", "import", "hotline", "intake", "console",
           "ogc", "public_map", "plans", "autodraft", "maps", "people", "field",
           "patrols", "work", "scale", "evaluation", "reports", "province", "search")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; "
                     f"choose from {', '.join(BENCHES)}")
    start_cluster()
    ensure_city()
    engine = create_engine(database_url())
    rows = []
    for name in chosen:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"bench: {name} ...", flush=True)
        result = module.run(engine, args.reps)  # one row, or a list of rows
        rows.extend(result if isinstance(result, list) else [result])
    engine.dispose()
    stamp = f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, reps={args.reps}"
    table = print_table(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.md").write_text(f"# gridmap bench ({stamp})\n\n{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
