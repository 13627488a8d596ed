"""Retention: the history of the runs that removed reporters' personal data from old
incidents (``geo.incidents.retention``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class RetentionRun(Base):
    """One anonymising run: when, its cut-off (incidents finished before it), how many
    incidents and rating comments it cleared, how long it took and who ran it."""

    __tablename__ = "retention_runs"
    __table_args__ = (Index("ix_retention_runs_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    before: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    incidents: Mapped[int] = mapped_column(Integer)
    ratings: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(100))
