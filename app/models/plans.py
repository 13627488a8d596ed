"""Plans: a draft redraw of one community's grids, its grids, and its building assignments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of, polygons, utcnow, valid_geometry

# scheduled: publishing on a later day (geo.boundaries.schedule); cancelling makes it a draft
PLAN_STATUSES = ("draft", "scheduled", "published", "discarded")


class Plan(Base):
    """A draft redraw of one community's grids (geo.plans.drafts). ``version`` counts writes:
    it is the plan's ETag, and a write naming an older version is refused."""

    __tablename__ = "plans"
    __table_args__ = (one_of("plans", "status", PLAN_STATUSES),
                      Index("ix_plans_community_id", "community_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    # current | empty | version | plan | file | buildings: how the plan was started
    source: Mapped[str | None] = mapped_column(String(20))


class PlanGrid(Base):
    __tablename__ = "plan_grids"
    __table_args__ = (valid_geometry("plan_grids"), Index("ix_plan_grids_plan_id", "plan_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(15))
    name: Mapped[str] = mapped_column(String(200))
    geom = mapped_column(polygons(), nullable=False)


class PlanBuilding(Base):
    """Building-based editing: the grid code a plan puts a building in."""

    __tablename__ = "plan_buildings"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"),
                                         primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"),
                                             primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15))
