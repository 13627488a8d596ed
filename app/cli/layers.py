"""``flask --app wsgi layers import|export``: thin wrappers over
geo.layers.files and geo.layers.store."""

from __future__ import annotations

import getpass
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from geo.boundaries import schedule
from geo.core.errors import GridmapError
from geo.layers import files
from geo.layers import overlays as overlay_file
from geo.layers.store import load, reads

layers = AppGroup("layers", help="Import and export communities, grids and buildings; "
                  "import responsibility overlays.")
KIND = click.Choice(tuple(files.KINDS))
IMPORT_KIND = click.Choice((*files.KINDS, "overlays"))
SHOWN_REASONS = 5
SHOWN_MOVES = 20


def _actor() -> str:
    """Who is named in the history of incidents a command moves: ``cli:<OS user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def _progress(length: int, label: str):
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


def _fields(code, name, parent, households, extra) -> dict[str, str]:
    fields = {k: v for k, v in (("code", code), ("name", name), ("parent", parent),
                                ("households", households)) if v}
    for item in extra:
        target, sep, source = item.partition("=")
        if not sep or not target or not source:
            raise click.BadParameter(f"{item!r} is not COLUMN=FIELD", param_hint="--field")
        fields[target.strip()] = source.strip()
    return fields


@layers.command("import")
@click.argument("kind", type=IMPORT_KIND)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--layer", help="GeoPackage layer (or shapefile name in a zip holding several).")
@click.option("--crs", help="CRS of the coordinates, overriding the file's: EPSG:4547, "
              "any pyproj string, wgs84, cgcs2000, gcj02 or bd09.")
@click.option("--encoding", help="Text encoding of a shapefile's .dbf, e.g. gbk.")
@click.option("--code-field", help="Field holding the code [code].")
@click.option("--name-field", help="Field holding the name [name].")
@click.option("--parent-field", help="Field holding the parent code [parent; "
              "default: the code's prefix].")
@click.option("--households-field", help="Field holding households [households].")
@click.option("--field", "extra", multiple=True, metavar="COLUMN=FIELD",
              help="Map any other column, e.g. street_name=JDMC (repeatable).")
@click.option("--make-valid", is_flag=True, help="Repair invalid polygons and report them.")
@click.option("--force-2d", is_flag=True, help="Drop Z coordinates instead of rejecting rows.")
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows even if some are rejected.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write rejected/repaired rows [<kind>-import-report.csv].")
@click.option("--effective", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Grids and communities: the day (YYYY-MM-DD, local time zone) the new "
                   "boundaries take effect; a later day schedules the import (flask "
                   "boundaries list|cancel).")
@click.option("--allow-outside", is_flag=True,
              help="Grids and communities: import even when grids would lie outside their "
                   "community (more than 50 m²), and list them, instead of refusing.")
def import_(kind, file, layer, crs, encoding, code_field, name_field, parent_field,
            households_field, extra, make_valid, force_2d, skip_invalid, report, effective,
            allow_outside):
    """Import FILE (GeoJSON, GeoPackage or zipped Shapefile) as KIND, all rows or none."""
    from app.extensions import db
    from app.security import audit

    report = report or Path(f"{kind}-import-report.csv")
    if not os.access(report.resolve().parent, os.W_OK):
        raise click.BadParameter(f"cannot write to {report.parent}", param_hint="--report")
    if kind == "overlays":
        return _import_overlays(file, layer, crs, encoding, report)
    fields = _fields(code_field, name_field, parent_field, households_field, extra)
    effective = _effective(kind, effective)
    options = {"layer": layer, "crs": crs, "encoding": encoding, "fields": fields,
               "make_valid": make_valid, "force_2d": force_2d, "skip_invalid": skip_invalid,
               "allow_outside": allow_outside}
    try:
        raw = files.read_layer(file, layer=layer, encoding=encoding, crs=crs)
        with _progress(len(raw), f"checking {file.name}") as step:
            prepared = files.prepare(raw, kind, fields=fields, make_valid=make_valid,
                                     force_2d=force_2d, progress=step,
                                     bounds=current_app.config["SERVICE_AREA"],
                                     max_vertices=current_app.config["MAX_GEOMETRY_VERTICES"])
        with db.engine.begin() as conn, _progress(len(prepared), "loading") as step:
            result = load.import_layer(
                conn, prepared, source=str(file.resolve()), sha256=files.file_sha256(file),
                options=options, skip_invalid=skip_invalid, make_valid=make_valid,
                progress=step, actor=_actor(), effective=effective,
                snap_meters=current_app.config["ASSIGN_SNAP_METERS"])
            audit.record("layers.schedule" if result.scheduled else "layers.import", kind,
                         result.scheduled and result.scheduled.id, conn=conn, after={
                "file": str(file.resolve()), "inserted": result.inserted,
                "redrawn": result.redrawn, "updated": result.updated,
                "rejected": result.rejected, "repaired": result.repaired,
                "incidents_moved": [m["id"] for m in result.incidents_moved],
                "grids_outside": result.outside})
    except files.RowsRejected as err:
        files.write_report(report, err.issues)
        shown = "\n".join(f"  row {i.row} ({i.code or 'no code'}): {i.reason}"
                          for i in err.rejected[:SHOWN_REASONS])
        raise click.ClickException(f"{err.message}.\n{shown}\nAll {len(err.issues)} rows "
                                   f"are listed in {report}.") from err
    except GridmapError as err:
        raise click.ClickException(err.message) from err
    except DBAPIError as err:  # rolled back: a constraint, a lost connection, a timeout
        raise click.ClickException(f"the database refused the import, nothing was written: "
                                   f"{str(err.orig).strip()}") from err
    if result.issues:
        files.write_report(report, result.issues)
    click.echo(_summary(result, file, report))


def _import_overlays(file: Path, layer, crs, encoding, report: Path) -> None:
    """Responsibility overlays (``geo.layers.overlays``): fields by their own names."""
    from app.extensions import db
    from app.security import audit

    try:
        raw = files.read_layer(file, layer=layer, encoding=encoding, crs=crs)
        with db.engine.begin() as conn:
            ids = overlay_file.import_overlays(conn, raw, _actor())
            audit.record("layers.import", "overlays", None, conn=conn, after={
                "file": str(file.resolve()), "inserted": len(ids), "ids": ids})
    except files.RowsRejected as err:
        files.write_report(report, err.issues)
        shown = "\n".join(f"  row {i.row} ({i.code or 'no name'}): {i.reason}"
                          for i in err.rejected[:SHOWN_REASONS])
        raise click.ClickException(f"{err.message}.\n{shown}\nAll {len(err.issues)} rows "
                                   f"are listed in {report}.") from err
    except GridmapError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"overlays: {len(ids)} rows loaded from {file.name}")


def _effective(kind: str, effective):
    """The day a grids or communities import takes effect: None for today, a later day, or
    an error."""
    if effective is None:
        return None
    if kind not in ("grids", "communities"):
        raise click.BadParameter("only grids and communities take effect on a date",
                                 param_hint="--effective")
    try:
        later = schedule.later(effective.date(),
                               schedule.local_today(current_app.config["TIMEZONE"]))
    except GridmapError as err:
        raise click.BadParameter(err.message, param_hint="--effective") from err
    return effective.date() if later else None


def _outside(result: load.ImportResult) -> list[str]:
    """The grids an ``--allow-outside`` import leaves outside their community."""
    return [f"grid {g['code']}: {g['outside_m2']} m² outside community {g['community']}"
            for g in result.outside]


def _summary(result: load.ImportResult, file: Path, report: Path) -> str:
    if result.scheduled is not None:
        change = result.scheduled
        return "\n".join([
            f"{result.kind}: {result.loaded} rows from {file.name} scheduled as change "
            f"{change.id}, in effect from {change.effective.isoformat()} (nothing changes "
            f"before; flask boundaries cancel {change.id} cancels it)", *_outside(result)])
    lines = [f"{result.kind}: {result.loaded} rows loaded from {file.name} "
             f"({result.inserted} new, {result.redrawn} redrawn, {result.updated} updated, "
             f"{result.unchanged} unchanged)"]
    if result.issues:
        lines.append(f"{result.rejected} rejected, {result.repaired} repaired: see {report}")
    if result.reassigned is not None:
        lines.append(f"buildings re-assigned: {result.reassigned}")
    lines += _outside(result)
    if result.kind == "communities":
        lines.append(f"open out-of-area incidents moved to another community: "
                     f"{len(result.incidents_moved)}")
        lines += [f"  incident {m['id']}: {m['community_from'] or '-'} → "
                  f"{m['community_to'] or '-'}" for m in result.incidents_moved[:SHOWN_MOVES]]
    if result.kind == "grids":
        lines.append(f"open incidents moved to another grid or worker: "
                     f"{len(result.incidents_moved)}")
        lines += [f"  incident {m['id']}: {m['from_grid'] or '-'} → {m['to_grid'] or '-'}"
                  f" ({m['located']})" for m in result.incidents_moved[:SHOWN_MOVES]]
        if len(result.incidents_moved) > SHOWN_MOVES:
            lines.append(f"  … and {len(result.incidents_moved) - SHOWN_MOVES} more (each "
                         "has a 'regrid' event in its history)")
    if result.previous_import:
        lines.append(f"note: the same file was imported before, at {result.previous_import}")
    return "\n".join(lines)


@layers.command("export")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--at", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Grids or communities in force on this day (YYYY-MM-DD) instead of the "
                   "current ones.")
def export(kind, file, at):
    """Write KIND to FILE: RFC 7946 GeoJSON (.geojson) or a GeoPackage layer (.gpkg)."""
    from app.extensions import db

    try:
        if at is not None and kind == "buildings":
            raise click.BadParameter("only grids and communities have versions by date",
                                     param_hint="--at")
        files.export_driver(file)
        with db.engine.connect() as conn:
            columns, wkb = reads.read_layer(conn, kind, at=at and at.date())
        files.write_layer(file, kind, columns, wkb)
    except GridmapError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"{kind}: {len(wkb)} features written to {file}")
