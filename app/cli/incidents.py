"""``flask --app wsgi incidents import FILE``: a thin wrapper over geo.incidents.imports."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from app.cli.progress import progress_bar
from geo.core.errors import GridmapError
from geo.incidents import imports, retention
from geo.incidents.intake import Rules
from geo.outbox import worker as clock

incidents = AppGroup("incidents", help="Bulk work on incidents.")
SHOWN_REASONS = 5


@incidents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(imports.FORMATS),
              help="csv, xlsx or geojson [by the file's extension: .xlsx, .geojson/.json, "
              "else csv].")
@click.option("--encoding", default="utf-8", show_default=True,
              type=click.Choice(list(imports.ENCODINGS), case_sensitive=False),
              help="Text encoding (a UTF-8 BOM is allowed).")
@click.option("--crs", help="CRS of lon/lat: wgs84, cgcs2000, gcj02 or bd09 "
              "[GeoJSON: its crs member; otherwise wgs84].")
@click.option("--map", "pairs", multiple=True, metavar="FIELD=COLUMN",
              help="Read FIELD from COLUMN, e.g. --map external_id=工单编号 (repeatable). "
              f"Fields: {', '.join(imports.FIELDS)}.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to list the rejected rows [FILE.errors.csv].")
@click.option("--strict/--store-good", default=True, show_default=True,
              help="--strict: import nothing if any row is rejected (all or nothing); "
              "--store-good: store the valid rows and list the others.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar [when stderr is a terminal].")
def import_(file: Path, fmt, encoding, crs, pairs, report, strict, progress):
    """Import a hotline export (CSV, XLSX or GeoJSON): rows checked, located, routed and
    stored, rejected rows listed with their reason.

    All or nothing by default; --store-good stores the valid rows. A reported_at without
    a UTC offset is local time in the TIMEZONE setting. Tickets (external_id) already
    stored are skipped, so running it again imports nothing twice.
    """
    from app.extensions import db
    from app.security import audit

    report = report or file.with_name(file.name + ".errors.csv")
    if not os.access(report.resolve().parent, os.W_OK):
        raise click.BadParameter(f"cannot write to {report.parent}", param_hint="--report")
    config, started = current_app.config, time.perf_counter()
    data = file.read_bytes()
    try:
        opts = imports.options(file.name, format=fmt, encoding=encoding, crs=crs,
                               mapping=imports.mapping_from_pairs(pairs), strict=strict)
        who = imports.Importer(audit.actor_name(), Rules.from_config(config),
                               config["SERVICE_AREA"])
        with progress_bar(file.name, progress) as bar, db.engine.begin() as conn:
            result = imports.import_file(conn, data, opts, file.name, who, progress=bar)
            audit.record("incidents.import", "incidents", None, conn=conn, after={
                "file": str(file.resolve()), **_counts(result)})
    except imports.RowsRejected as err:
        imports.write_report(report, data, opts, file.name, err.rejected)
        raise click.ClickException(f"{err.message}.\n{_reasons(err.rejected)}\nAll "
                                   f"{len(err.rejected)} are listed in {report}.") from err
    except GridmapError as err:
        raise click.ClickException(err.message) from err
    except DBAPIError as err:  # rolled back: a lost connection, a timeout
        raise click.ClickException(f"the database refused the import, nothing was written: "
                                   f"{str(err.orig).strip()}") from err
    if result.rejected:
        imports.write_report(report, data, opts, file.name, result.rejected)
    click.echo(_summary(result, file, report, time.perf_counter() - started))


def _counts(result: imports.ImportResult) -> dict:
    return {"rows": result.rows, "loaded": result.loaded, "duplicates": result.duplicates,
            "rejected": len(result.rejected), "located": result.located,
            "routed": result.routed, "flagged": result.flagged}


def _reasons(rejected: list[tuple[int, str]]) -> str:
    return "\n".join(f"  row {row}: {why}" for row, why in rejected[:SHOWN_REASONS])


def _summary(result: imports.ImportResult, file: Path, report: Path, seconds: float) -> str:
    located, flagged = result.located, result.flagged
    lines = [f"{file.name}: {result.rows} rows; {result.loaded} imported, "
             f"{result.duplicates} already stored, {len(result.rejected)} rejected "
             f"({seconds:.1f} s)"]
    if result.loaded:
        lines.append(f"located: {located['covered']} in a grid, {located['snapped']} "
                     f"snapped, {located['out_of_area']} out of area")
        lines.append("routed: " + ", ".join(f"{k} {n}" for k, n in sorted(result.routed.items())))
        lines.append(f"flagged: {flagged['boundary']} near a grid boundary, "
                     f"{flagged['possible_duplicate']} possible duplicates")
    if result.rejected:
        lines += [_reasons(result.rejected), f"all rejected rows are listed in {report}"]
    return "\n".join(lines)


@incidents.command("anonymise")
@click.option("--before", "before", metavar="DATE",
              help="Cut-off: incidents finished before this date (local midnight in TIMEZONE)"
              " or moment (ISO 8601) [RETENTION_YEARS before now]. Never later than that.")
@click.option("--daily", is_flag=True,
              help="Only if no run was made in the last day (the scheduler loop's call).")
@click.option("--quiet", is_flag=True, help="Print nothing when nothing was done.")
def anonymise(before: str | None, daily: bool, quiet: bool):
    """Remove reporters' names, phones and call-back comments from incidents finished
    more than RETENTION_YEARS ago (or before --before): one set-based step, recorded in
    retention_runs and the audit log. Running it again changes nothing."""
    from app.extensions import db
    from app.security import audit

    config, now = current_app.config, clock.now()
    limit = retention.cutoff(now, int(config["RETENTION_YEARS"]))
    cut = _moment(before, config["TIMEZONE"]) if before else limit
    if cut > limit:
        raise click.BadParameter(f"{before} is within the retention period: the cut-off is "
                                 f"at the latest {limit.isoformat()} (RETENTION_YEARS)",
                                 param_hint="--before")
    with db.engine.begin() as conn:
        if daily:
            run = retention.run_daily(conn, now=now, years=int(config["RETENTION_YEARS"]),
                                      actor=audit.actor_name())
        else:
            run = retention.anonymise(conn, cut, now=now, actor=audit.actor_name())
        if run is not None:
            audit.record("incidents.anonymise", "incidents", None, conn=conn, after={
                "run": run.run_id, "before": run.before.isoformat(),
                "incidents": run.incidents, "ratings": run.ratings})
    if run is None:
        if not quiet:
            click.echo("nothing to do: a run was made in the last day")
        return
    if run.incidents or run.ratings or not quiet:
        click.echo(f"anonymised {run.incidents} incident(s) and {run.ratings} rating "
                   f"comment(s) finished before {run.before.isoformat()} ({run.seconds:.1f} s)")


def _moment(value: str, timezone: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as err:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 moment",
                                 param_hint="--before") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))
