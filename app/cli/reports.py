"""``flask --app wsgi reports monthly 2026-11 [--street CODE] [--format xlsx|pdf] [-o FILE]``:
the monthly evaluation report, by the function the API's download calls."""

from __future__ import annotations

import time
from pathlib import Path

import click

from app.extensions import db
from geo.core.errors import GridmapError
from geo.stats import caseload, rollup
from geo.stats.report import monthly


@click.group("reports")
def reports():
    """Reports."""


@reports.command("monthly")
@click.argument("month")
@click.option("--street", help="Only this street (9-digit code); default: the whole city.")
@click.option("--format", "fmt", type=click.Choice(list(monthly.FORMATS)),
              help="xlsx or pdf [by -o's extension, else xlsx].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The file [monthly-MONTH[-STREET].FORMAT].")
def monthly_command(month: str, street: str | None, fmt: str | None, output: Path | None):
    """The monthly report of MONTH (YYYY-MM) as XLSX or PDF."""
    from app.api.stats.reports import monthly_file

    fmt = fmt or (output.suffix.lower().lstrip(".") if output is not None
                  and output.suffix.lower() in (".xlsx", ".pdf") else "xlsx")
    output = output or Path(monthly.filename(month, fmt, street))
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        caseload.refresh(conn, None)
        rollup.refresh(conn)  # the evaluation's monthly roll-up of the changed facts
    try:
        with db.engine.connect() as conn:
            body = monthly_file(conn, month, fmt, street, None)
    except GridmapError as err:
        raise click.ClickException(err.message) from None
    output.write_bytes(body)
    click.echo(f"{output}: {len(body):,} bytes in {time.perf_counter() - started:.1f} s")
