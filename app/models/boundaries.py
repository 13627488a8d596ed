"""Boundary changes scheduled for a later day (geo.boundaries.schedule): a plan published
or a grids or communities layer imported with ``effective``, and the grids or communities
it will put in force; and the responsibility overlays routing applies after the grid
(geo.incidents.routing)."""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of, polygons, valid_geometry
from geo.boundaries import overlays

CHANGE_KINDS = ("plan", "grids", "communities")
CHANGE_STATUSES = ("scheduled", "applied", "cancelled")


class BoundaryChange(Base):
    """One scheduled change: in force from ``effective`` (local date), applied by
    ``flask boundaries apply-due`` on that day, cancellable until then."""

    __tablename__ = "boundary_changes"
    __table_args__ = (one_of("boundary_changes", "kind", CHANGE_KINDS),
                      one_of("boundary_changes", "status", CHANGE_STATUSES),
                      Index("ix_boundary_changes_due", "effective",
                            postgresql_where="status = 'scheduled'"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), server_default="scheduled")
    effective: Mapped[dt.date] = mapped_column(Date)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    # a plan's community: its current grids are all replaced on the day
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    source: Mapped[str | None] = mapped_column(String(500))
    options: Mapped[dict | None] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(String(100))
    report: Mapped[dict | None] = mapped_column(JSONB)


class BoundaryChangeGrid(Base):
    """A grid as a scheduled change will put it in force."""

    __tablename__ = "boundary_change_grids"
    __table_args__ = (valid_geometry("boundary_change_grids"),
                      Index("ix_boundary_change_grids_change_id", "change_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("boundary_changes.id",
                                                      ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(15))
    name: Mapped[str | None] = mapped_column(String(200))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    households: Mapped[int | None] = mapped_column(Integer)
    geom = mapped_column(polygons(), nullable=False)


class BoundaryChangeCommunity(Base):
    """A community (with its street) as a scheduled communities layer will put it in force."""

    __tablename__ = "boundary_change_communities"
    __table_args__ = (valid_geometry("boundary_change_communities"),
                      Index("ix_boundary_change_communities_change_id", "change_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("boundary_changes.id",
                                                      ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(200))
    street_name: Mapped[str | None] = mapped_column(String(200))
    street_code: Mapped[str | None] = mapped_column(String(9))
    households: Mapped[int | None] = mapped_column(Integer)
    office_address: Mapped[str | None] = mapped_column(String(300))
    geom = mapped_column(polygons(), nullable=False)


# What an overlay is and who answers for it (geo.boundaries.overlays).
OVERLAY_KINDS, OVERLAY_UNITS = overlays.KINDS, overlays.UNITS


class Overlay(Base):
    """A responsibility overlay (部件先属主): a polygon, or a line with a buffer in metres,
    whose unit answers for the categories it covers from ``valid_from`` until ``valid_to``
    (exclusive, NULL = open), whatever grid the place is in (geo.incidents.routing).
    ``reach`` is what a point must fall in: the polygon, or the line's buffer (a little
    wider: the exact distance is tested after the index)."""

    __tablename__ = "overlays"
    __table_args__ = (
        one_of("overlays", "kind", OVERLAY_KINDS),
        one_of("overlays", "unit", OVERLAY_UNITS),
        CheckConstraint("(unit = 'department') = (department_id IS NOT NULL)"
                        " AND (unit = 'company') = (company_name IS NOT NULL)"
                        " AND (unit = 'grid') = (grid_code IS NOT NULL)",
                        name="ck_overlays_unit_named"),
        CheckConstraint("CASE WHEN GeometryType(geom) = 'MULTILINESTRING'"
                        " THEN buffer_m > 0 AND buffer_m <= 500"
                        " ELSE GeometryType(geom) = 'MULTIPOLYGON' AND buffer_m IS NULL END",
                        name="ck_overlays_shape"),
        CheckConstraint("ST_IsValid(geom)", name="ck_overlays_geom_valid"),
        CheckConstraint("cardinality(categories) > 0", name="ck_overlays_categories"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from",
                        name="ck_overlays_validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(12))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    company_name: Mapped[str | None] = mapped_column(String(200))
    company_phone: Mapped[str | None] = mapped_column(String(30))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(50)))
    buffer_m: Mapped[float | None] = mapped_column(Float)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True),
                         nullable=False)
    reach = mapped_column(polygons(), nullable=False)
    area_m2: Mapped[float] = mapped_column(Float)
    valid_from: Mapped[dt.date] = mapped_column(Date, server_default=func.current_date())
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
