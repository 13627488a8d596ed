"""Import the city's grids layer from a GeoPackage into an empty database (time reported)."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from bench.common import OUT, Row, flask, run_sql


def run(engine: Engine, reps: int) -> Row:
    import pgcluster

    from bench.common import PORT

    OUT.mkdir(parents=True, exist_ok=True)
    communities, grids = OUT / "city-communities.gpkg", OUT / "city-grids.gpkg"
    for kind, path in (("communities", communities), ("grids", grids)):
        if not path.exists():
            flask("layers", "export", kind, str(path))
    times = []
    for rep in range(reps):
        db = f"gridmap_bench_import_{rep}"
        pgcluster.create_database(PORT, db)
        flask("db", "upgrade", db=db)
        flask("layers", "import", "communities", str(communities), db=db)
        started = time.perf_counter()
        result = flask("layers", "import", "grids", str(grids), db=db)
        times.append(time.perf_counter() - started)
        run_sql(engine, f'DROP DATABASE "{db}"')
    times.sort()
    return Row(task="import the city grids layer from GeoPackage (CLI, empty database)",
               ours=f"{times[len(times) // 2]:.1f} s", plain="-", ratio="-",
               target="report the time", ok=None,
               notes=[f"runs {', '.join(f'{t:.1f}' for t in times)} s (includes starting the "
                      f"CLI); last output: {result.stdout.strip().splitlines()[-1:]}"])
