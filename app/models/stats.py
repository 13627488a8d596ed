"""Statistics: tables derived from incidents, buildings and party members (``geo.stats``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class IncidentFact(Base):
    """Derived times of one incident for the statistics (``geo.stats.caseload``): recomputed
    from the incident, its location and its history whenever any of them changes."""

    __tablename__ = "incident_facts"
    __table_args__ = (
        # Covering: each sum in geo.stats.caseload is an index-only scan.
        Index("ix_incident_facts_reported_at", "reported_at", postgresql_include=[
            "grid_id", "community_id", "category", "merged", "response_s"]),
        Index("ix_incident_facts_closed_at", "closed_at",
              postgresql_where=text("closed_at IS NOT NULL"), postgresql_include=[
                  "grid_id", "community_id", "category", "on_time", "close_s"]),
        Index("ix_incident_facts_resolved_at", "resolved_at",
              postgresql_where=text("resolved_at IS NOT NULL"), postgresql_include=[
                  "grid_id", "community_id", "category", "merged", "reworked"]),
        # A unit's facts: the evaluation's roll-up rewrites a few units' rows from them.
        Index("ix_incident_facts_grid_id", "grid_id"),
        Index("ix_incident_facts_community_id", "community_id"),
        Index("ix_incident_facts_assignee_id", "assignee_id"),
        Index("ix_incident_facts_department_id", "department_id"),
    )

    # No foreign keys from the derived tables: see migration 0007.
    incident_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    grid_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(50))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    response_s: Mapped[float | None] = mapped_column(Float)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reworked: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    close_s: Mapped[float | None] = mapped_column(Float)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    merged: Mapped[bool] = mapped_column(Boolean)
    # The evaluation's (geo.stats.indicators; migration 0022_eval).
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    response_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    responded_on_time: Mapped[bool | None] = mapped_column(Boolean)
    rejected: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    rating: Mapped[str | None] = mapped_column(String(20))
    rework_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    extended: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    supervised: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class StatsDirty(Base):
    """Incidents whose ``incident_facts`` row is out of date (filled by triggers)."""

    __tablename__ = "stats_dirty"

    incident_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class StatsRange(Base):
    """Incident ids queued for the statistics as ranges (one row per run of consecutive
    ids) rather than one ``stats_dirty`` row each; turned into ``stats_dirty`` rows by
    ``geo.stats.caseload.refresh`` a batch at a time."""

    __tablename__ = "stats_ranges"
    __table_args__ = (CheckConstraint("first_id <= last_id", name="ck_stats_ranges_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(BigInteger)
    last_id: Mapped[int] = mapped_column(BigInteger)


class BuildingCoverage(Base):
    """Each building's distance to the nearest home of a serving party member (metres;
    NULL: none within ``geo.stats.coverage.MAX_DISTANCE_M``). Only this number, no person."""

    __tablename__ = "building_coverage"

    building_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nearest_home_m: Mapped[float | None] = mapped_column(Float)


class StatsState(Base):
    """Flags of derived tables: ``coverage`` is dirty after party members or buildings
    changed (set by triggers, cleared by ``geo.stats.coverage.refresh``)."""

    __tablename__ = "stats_state"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    dirty: Mapped[bool] = mapped_column(Boolean)


class EvalRollupZone(Base):
    """A time zone whose local months the evaluation's roll-up keeps (``geo.stats.rollup``;
    the ``TIMEZONE`` setting, by migration 0023_evalroll)."""

    __tablename__ = "eval_rollup_zones"

    timezone: Mapped[str] = mapped_column(String(64), primary_key=True)


class EvalRollupMonth(Base):
    """A local month the roll-up keeps, by its instants ``[t0, t1)``; kept from the first
    fact in it (triggers on ``incident_facts``)."""

    __tablename__ = "eval_rollup_months"

    t0: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    t1: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    month: Mapped[str] = mapped_column(String(7))
    timezone: Mapped[str] = mapped_column(
        String(64), ForeignKey("eval_rollup_zones.timezone", ondelete="CASCADE"))


class EvalRollup(Base):
    """One month's indicators of one unit and category (``''``: all; level ``total``,
    unit ``''``: the totals): ``sums`` maps each indicator to ``[numerator, denominator,
    extra]``, written by the live evaluation's statement (``geo.stats.rollup``);
    ``pending_until``: the latest response limit still open (响应率 holds from then)."""

    __tablename__ = "eval_rollup"

    t0: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), ForeignKey("eval_rollup_months.t0", ondelete="CASCADE"),
        primary_key=True)
    level: Mapped[str] = mapped_column(String(12), primary_key=True)
    category: Mapped[str] = mapped_column(String(50), primary_key=True)
    unit: Mapped[str] = mapped_column(String(15), primary_key=True)
    sums: Mapped[dict] = mapped_column(JSONB)
    pending_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EvalRollupDirty(Base):
    """A roll-up's (month, level, unit) whose facts changed (``'*'``: every unit), queued by
    triggers on ``incident_facts`` for ``geo.stats.caseload.refresh``."""

    __tablename__ = "eval_rollup_dirty"

    t0: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), ForeignKey("eval_rollup_months.t0", ondelete="CASCADE"),
        primary_key=True)
    level: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit: Mapped[str] = mapped_column(String(15), primary_key=True)
