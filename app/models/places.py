"""Places: communities, grids (every boundary version), buildings. People (workers, the
party, departments) are in ``app.models.people``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, polygons, valid_geometry


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (valid_geometry("communities"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    street_name: Mapped[str | None] = mapped_column(String(200))
    street_code: Mapped[str | None] = mapped_column(String(9))
    households: Mapped[int | None] = mapped_column(Integer)
    office_address: Mapped[str | None] = mapped_column(String(300))
    geom = mapped_column(polygons(), nullable=False)


class CommunityVersion(Base):
    """One version of a community (and of the street it names): boundary, code, name and
    street from ``valid_from`` until ``valid_to`` (exclusive; NULL = current). Written by
    the trigger of migration 0016 whenever a community is added or changes."""

    __tablename__ = "community_versions"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from",
                        name="ck_community_versions_validity"),
        Index("ix_community_versions_community_id", "community_id"),
        Index("uq_community_versions_current", "community_id", unique=True,
              postgresql_where=text("valid_to IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    street_name: Mapped[str | None] = mapped_column(String(200))
    street_code: Mapped[str | None] = mapped_column(String(9))
    geom = mapped_column(polygons(), nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


class Grid(Base):
    """One version of a grid boundary; the current version has ``valid_to`` NULL."""

    __tablename__ = "grids"
    __table_args__ = (
        valid_geometry("grids"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_grids_validity"),
        # Codes are unique among current grids; older versions keep theirs.
        Index("uq_grids_current_code", "code", unique=True,
              postgresql_where=text("valid_to IS NULL")),
        Index("ix_grids_community_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(15))
    name: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    households: Mapped[int | None] = mapped_column(Integer)
    geom = mapped_column(polygons(), nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, server_default=func.current_date())
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (
        valid_geometry("buildings"),
        CheckConstraint("households >= 0", name="ck_buildings_households"),
        CheckConstraint("residents >= 0", name="ck_buildings_residents"),
        Index("ix_buildings_grid_id", "grid_id"),
        Index("ix_buildings_community_id", "community_id"),
        # geo.places.geocode: partial matches in Chinese text (trigrams hash CJK characters too).
        Index("ix_buildings_address_trgm", "address", postgresql_using="gin",
              postgresql_ops={"address": "gin_trgm_ops"}),
        Index("ix_buildings_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
        # Half of each page stays free so that re-assigning buildings after a redraw
        # rewrites rows within their pages (HOT updates; see geo.places.assign.assign_buildings).
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(19), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    geom = mapped_column(polygons(), nullable=False)
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
