"""``flask --app wsgi people import|export``: rosters of workers, party members and
departments; thin wrappers over ``app.api.people.writes`` (the API's audited path)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import in_transaction
from geo.people import exports, files

people = AppGroup("people", help="Rosters: grid workers, party members, departments.")
KIND = click.Choice(files.KINDS)
SHOWN = 20


@people.command("import")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", default="utf-8", show_default=True,
              type=click.Choice(list(files.ENCODINGS), case_sensitive=False),
              help="Of a CSV (a UTF-8 BOM is allowed); XLSX needs none.")
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.option("--store-good", is_flag=True,
              help="Write the good rows even when some are bad (default: nothing).")
def import_(kind: str, file: Path, encoding: str, dry_run: bool, store_good: bool):
    """Import a roster (CSV or XLSX, Chinese or English column names)."""
    from app.api.people import writes

    started = time.perf_counter()
    report = in_transaction(lambda: writes.import_roster(
        kind, file.read_bytes(), file.name, encoding=encoding, dry_run=dry_run,
        store_good=store_good))
    for problem in report["problems"][:SHOWN]:
        click.echo(f"row {problem['row']}: {problem['reason']}", err=True)
    if len(report["problems"]) > SHOWN:
        click.echo(f"… and {len(report['problems']) - SHOWN} more bad rows", err=True)
    click.echo(f"{kind}: {report['rows']} rows, {report['good']} good, {report['bad']} bad, "
               f"{report['written']} written{' (dry run)' if dry_run else ''} "
               f"in {time.perf_counter() - started:.2f} s")
    if report["bad"] and not report["written"] and not dry_run:
        raise click.ClickException("nothing written: fix the bad rows, or --store-good")


@people.command("export")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS),
              help="csv or xlsx [by the file's extension].")
@click.option("--private", is_flag=True, help="Private phones unmasked (audited).")
def export(kind: str, file: Path, fmt: str | None, private: bool):
    """Export a roster in the import's columns."""
    from app.api.people import writes

    fmt = fmt or ("xlsx" if file.suffix.lower() == ".xlsx" else "csv")
    body = in_transaction(lambda: writes.export_roster(kind, fmt, private=private))
    file.write_bytes(body)
    click.echo(f"{kind}: {file} ({len(body):,} bytes{', private phones' if private else ''})")
