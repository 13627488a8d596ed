"""``flask --app wsgi demo``: load the demo city (``geo.demo.city``) into the database."""

import time

import click
from flask import current_app

from geo.demo import city as demo_city
from geo.demo import history, store
from geo.stats import caseload, rollup


@click.command("demo")
@click.option("--size", type=click.Choice(list(demo_city.SIZES)), default="small",
              show_default=True,
              help="small: ~10 communities, 100 grids; city: ~200 communities, 10,000 grids;"
              " province: the city with ten years of history, 10,000,000 incidents.")
@click.option("--seed", type=int, default=demo_city.DEFAULT_SEED, show_default=True,
              help="Random seed: the same seed gives the same city.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has a city.")
@click.option("--replace", is_flag=True, help="Delete the current city first.")
@click.option("--history-only", is_flag=True,
              help="The city is loaded: add only the size's years of history to it.")
def demo(size: str, seed: int, if_empty: bool, replace: bool, history_only: bool) -> None:
    """Load a demo city in Beijing (Chinese names, 90 days of incidents) in one transaction;
    for the province, then ten years of history before them (geo.demo.history)."""
    from app.extensions import db
    from app.security import accounts, audit

    if if_empty and replace:
        raise click.UsageError("--if-empty and --replace exclude each other")
    with db.engine.connect() as conn:
        loaded = store.has_communities(conn)
    if history_only:
        if not loaded or demo_city.SIZES[size].history_years is None:
            raise click.UsageError("--history-only needs a loaded city and --size province")
        _history(size, lambda line: click.echo(f"demo: {line}", err=True))
        return
    if loaded and if_empty:
        click.echo("demo: the database already holds communities; nothing loaded", err=True)
        return
    if loaded and not replace:
        raise click.ClickException("the database already holds communities; use --replace "
                                   "to delete them and load the demo city instead")

    def say(line: str) -> None:
        click.echo(f"demo: {line}", err=True)

    start = time.perf_counter()
    say(f"generating and loading the demo city (size {size}, seed {seed})")
    with db.engine.begin() as conn:
        if replace:
            if disabled := accounts.detach_from_city(conn):
                say(f"disabled accounts limited to the old city: {', '.join(disabled)}")
            store.clear(conn)
        elif store.has_communities(conn):  # loaded by someone else meanwhile
            raise click.ClickException("the database already holds communities")
        report = store.load(conn, demo_city.iter_tables(size, seed),
                                snap_meters=current_app.config["ASSIGN_SNAP_METERS"],
                                progress=say)
        audit.record("demo.load", conn=conn,
                     after={"size": size, "seed": seed, "replaced": replace})
    with db.engine.begin() as conn:  # the statistics' facts of the new incidents, at once
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        facts = caseload.refresh(conn, limit=None)
        rollup.refresh(conn)  # the evaluation's monthly roll-up of the new months
    say(f"statistics: facts of {facts} incidents computed")
    if demo_city.SIZES[size].history_years is not None:
        _history(size, say)
    say(f"done in {time.perf_counter() - start:.1f} s (waited "
        f"{report.seconds['waiting for the generator']:.1f} s for the generator)")


def _history(size: str, say) -> None:
    """Years of history behind the loaded city, in one transaction, audited."""
    from app.extensions import db
    from app.security import audit

    spec, start = demo_city.SIZES[size], time.perf_counter()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        caseload.refresh(conn, limit=None)  # the facts the copies are made from
        added = history.grow(conn, total=spec.history_total, years=spec.history_years,
                             progress=say)
        audit.record("demo.history", conn=conn, after={"size": size, **added})
    say(f"history: {added['incidents']:,} incidents added "
        f"({time.perf_counter() - start:.1f} s)")
