"""Escalation (issue 21 parts 1–2): the dispatch catalogue (派单目录) and extension requests
(延期). An incident's department and a department account's department are columns of
``incidents`` and ``users``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of

EXTENSION_STATES = ("pending", "approved", "refused")


class DispatchCatalogueEntry(Base):
    """A category's department (street_code NULL: the default; a street's row overrides it),
    with the department's time limits (NULL: the category's)."""

    __tablename__ = "dispatch_catalogue"
    __table_args__ = (
        Index("uq_dispatch_catalogue_entry", "category_code",
              text("coalesce(street_code, '')"), unique=True),
        CheckConstraint("response_hours IS NULL OR response_hours > 0",
                        name="ck_dispatch_catalogue_response_hours"),
        CheckConstraint("resolve_hours IS NULL OR resolve_hours > 0",
                        name="ck_dispatch_catalogue_resolve_hours"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str] = mapped_column(
        String(50), ForeignKey("categories.code", ondelete="CASCADE"))
    street_code: Mapped[str | None] = mapped_column(String(9))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    response_hours: Mapped[float | None] = mapped_column(Float)
    resolve_hours: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class IncidentExtension(Base):
    """An assignee's request to move an incident's deadline (延期) and its decision."""

    __tablename__ = "incident_extensions"
    __table_args__ = (
        one_of("incident_extensions", "state", EXTENSION_STATES),
        Index("ix_incident_extensions_incident_id", "incident_id"),
        Index("uq_incident_extensions_pending", "incident_id", unique=True,
              postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                      server_default=func.now())
    requested_by: Mapped[str] = mapped_column(String(100))
    due_from: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    due_to: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), server_default="pending")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_note: Mapped[str | None] = mapped_column(Text)
