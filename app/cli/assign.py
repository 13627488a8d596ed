"""``flask --app wsgi assign``: locate pending incidents and re-assign buildings."""

import time

import click
from flask import current_app

from app.extensions import db
from app.security import audit
from geo.places.assign import assign_buildings, assign_incidents


@click.command("assign")
@click.option("--incidents/--no-incidents", default=True, show_default=True,
              help="Locate incidents that have no location yet.")
@click.option("--buildings/--no-buildings", default=True, show_default=True,
              help="Point buildings at the current grid holding their largest part.")
@click.option("--relocate-all", is_flag=True,
              help="Forget every incident location and locate all incidents again.")
@click.option("--snap-meters", type=click.FloatRange(min=0, max=1000),
              help="Snapping distance (default: the ASSIGN_SNAP_METERS setting).")
def assign(incidents: bool, buildings: bool, relocate_all: bool, snap_meters: float | None):
    """Assign incidents and buildings to grids (one transaction, idempotent)."""
    snap = snap_meters if snap_meters is not None else current_app.config["ASSIGN_SNAP_METERS"]
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")  # bulk work may take minutes
        if incidents:
            started = time.perf_counter()
            counts = assign_incidents(conn, snap_meters=snap, only_pending=not relocate_all)
            audit.record("incidents.locate", conn=conn,
                         after={**counts, "relocate_all": relocate_all, "snap_meters": snap})
            click.echo(f"incidents located: {counts['covered']} in a grid, "
                       f"{counts['snapped']} snapped, {counts['out_of_area']} out of area "
                       f"({time.perf_counter() - started:.1f} s)")
        if buildings:
            started = time.perf_counter()
            changed = assign_buildings(conn)
            audit.record("buildings.assign", conn=conn, after={"changed": changed})
            click.echo(f"buildings re-assigned: {changed} "
                       f"({time.perf_counter() - started:.1f} s)")
