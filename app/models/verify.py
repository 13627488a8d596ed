"""Resident call-back (回访): the rating of an incident's closure, given by the reporting
resident on their report's page or recorded by staff after a phone call; one per closure
(``closure_event_id``, the event that closed it), so evaluation can compute 满意率.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of
from geo.core.statuses import CALLBACK_CHANNELS, RATINGS


class IncidentRating(Base):
    """A call-back's rating; ``reopened``: this (unsatisfied) rating reopened the incident."""

    __tablename__ = "incident_ratings"
    __table_args__ = (
        one_of("incident_ratings", "rating", RATINGS),
        one_of("incident_ratings", "channel", CALLBACK_CHANNELS),
        Index("uq_incident_ratings_closure", "closure_event_id", unique=True),
        Index("ix_incident_ratings_incident_id", "incident_id"),
        # Retention: comments still kept, by time (geo.incidents.retention).
        Index("ix_incident_ratings_comment_at", "at",
              postgresql_where=text("comment IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    closure_event_id: Mapped[int] = mapped_column(ForeignKey("incident_events.id"))
    rating: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reopened: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
