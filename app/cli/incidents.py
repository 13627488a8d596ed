"""``flask --app wsgi incidents import FILE``: a thin wrapper over geo.incidents.imports."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from app.cli.progress import progress_bar
from geo.core.errors import GridmapError
from geo.incidents import imports
from geo.incidents.intake import Rules

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
