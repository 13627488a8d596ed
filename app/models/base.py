"""The declarative base and the column and constraint helpers every model module uses.

Every geometry is stored in EPSG:4326 with exactly one GiST index (GeoAlchemy2's
``spatial_index=True``); polygon columns also carry ``CHECK (ST_IsValid(geom))`` so that
no invalid polygon can reach a spatial operation later.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def polygons() -> Geometry:
    """A (multi)polygon column type in EPSG:4326 with its GiST index."""
    return Geometry("MULTIPOLYGON", srid=4326, spatial_index=True)


def valid_geometry(table: str) -> CheckConstraint:
    """``CHECK (ST_IsValid(geom))``, named after its table."""
    return CheckConstraint("ST_IsValid(geom)", name=f"ck_{table}_geom_valid")


def one_of(table: str, column: str, values: tuple[str, ...]) -> CheckConstraint:
    """``CHECK (column IN (...))``, named after its table and column."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


def utcnow() -> dt.datetime:
    """Default for timestamps set by Python rather than by the server's ``now()``."""
    return dt.datetime.now(dt.UTC)
