"""The outbox (issue 21 part 5): one row per incident event, written in the event's own
transaction by a trigger on ``incident_events`` (migration 0021_outbox); the deliveries that
carry it to webhook endpoints (and SMS), with attempts, back-off and a lease the delivery
worker takes (``flask outbox run``); the endpoints and the delivery log."""

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
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of

DELIVERY_CHANNELS = ("webhook", "sms")
DELIVERY_STATES = ("pending", "delivered", "failed")
REMINDER_AUDIENCES = ("assignee", "grid_chief", "community", "street")


class Outbox(Base):
    """An incident event waiting to be fanned out to the channels (``fanned_out_at``)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "id", postgresql_where=text("fanned_out_at IS NULL")),
        # The retention pass (geo.outbox.retention) looks for old fanned-out rows.
        Index("ix_outbox_fanned_out", "created_at",
              postgresql_where=text("fanned_out_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # No foreign keys to the event or incident: the outbox is a log that may outlive them.
    event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[int] = mapped_column(BigInteger)
    payload = mapped_column(JSONB, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    fanned_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookEndpoint(Base):
    """A receiver of signed events (Standard Webhooks); ``events`` empty: every kind;
    ``communities`` NULL: every community's incidents."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint("secret LIKE 'whsec\\_%'", name="ck_webhook_endpoints_secret"),
        CheckConstraint("cardinality(communities) > 0", name="ck_webhook_endpoints_communities"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    events = mapped_column(ARRAY(String(40)), server_default=text("'{}'"), nullable=False)
    # Ids of the communities whose incidents' events it hears; NULL: every community.
    communities = mapped_column(ARRAY(Integer), nullable=True)
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    consecutive_failures: Mapped[int] = mapped_column(Integer, server_default="0")
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class Delivery(Base):
    """One outbox row to one target of a channel (``target``: ``endpoint:<id>``,
    ``sms:<phone>``): unique, so fanning out twice sends nothing twice."""

    __tablename__ = "deliveries"
    __table_args__ = (
        one_of("deliveries", "channel", DELIVERY_CHANNELS),
        one_of("deliveries", "status", DELIVERY_STATES),
        UniqueConstraint("outbox_id", "channel", "target", name="uq_deliveries_target"),
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    channel: Mapped[str] = mapped_column(String(10))
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id"))
    recipient: Mapped[str | None] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DeliveryAttempt(Base):
    """The delivery log: one row per try."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_delivery_attempts_delivery", "delivery_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))


class ReminderStep(Base):
    """A reminder ``offset_hours`` from an open incident's due time (negative: before it,
    in calendar hours; from 0 on: in working hours) to an audience. ``category`` NULL: the
    default steps, used by every category without steps of its own."""

    __tablename__ = "reminder_steps"
    __table_args__ = (
        one_of("reminder_steps", "audience", REMINDER_AUDIENCES),
        UniqueConstraint("category", "offset_hours", "audience", name="uq_reminder_steps_step"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str | None] = mapped_column(
        ForeignKey("categories.code", ondelete="CASCADE"))
    offset_hours: Mapped[float] = mapped_column(Float)
    audience: Mapped[str] = mapped_column(String(20))


class ReminderSent(Base):
    """A step fired for an incident's deadline: each step once per deadline."""

    __tablename__ = "reminders_sent"

    incident_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("reminder_steps.id", ondelete="CASCADE"),
                                         primary_key=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    fired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recipients: Mapped[int] = mapped_column(Integer)
