"""Boundary changes scheduled for a later day (geo.boundaries.schedule): a plan published
or a grids layer imported with ``effective``, and the grids it will put in force."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of, polygons, valid_geometry

CHANGE_KINDS = ("plan", "grids")
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
    kind: Mapped[str] = mapped_column(String(10))
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
