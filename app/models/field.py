"""The grid worker's field work (the ``/work`` app): evidence photos of an action, patrols
with their tracks and the grids they walked, and the in-app notifications.

Everything a phone sends may be sent twice (it queues offline and retries), so what it creates
carries a client-generated id (``client_id``, a UUID) that is unique: a repeat finds the first
row and changes nothing. Actions carry theirs on ``incident_events.client_id``, problems reported
on a patrol on ``incidents.client_id``, patrols on ``patrols.client_id``; a patrol's points are
keyed by (patrol, time).
"""

from __future__ import annotations

import datetime as dt
import uuid

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of

# What a notification is about. The close-the-loop work (escalation, supervision) adds kinds.
NOTIFICATION_KINDS = ("new_task", "due_soon", "returned", "reopened", "reminder")
PATROL_STATES = ("walking", "finished")
# Evidence photos are resized on the phone (at most 1,600 px); the server refuses more than this.
PHOTO_MAX_STORED = 2 * 1024 * 1024


class IncidentPhoto(Base):
    """A photo a worker attached to an action (evidence of a resolution, or of a problem found
    on patrol). Kept in the database like residents' photos (``ResidentReport``): in the same
    transaction as the action, in every backup and replica. Stored re-encoded, without EXIF."""

    __tablename__ = "incident_photos"
    __table_args__ = (
        CheckConstraint(f"octet_length(photo) <= {PHOTO_MAX_STORED}",
                        name="ck_incident_photos_size"),
        Index("ix_incident_photos_incident_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    # The history row of the action the photo was sent with (None: sent with a report).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("incident_events.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    photo: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)


class Patrol(Base):
    """A worker's patrol (巡查): started and finished on the phone; ``track`` and
    ``distance_m`` are built from its points when it is finished."""

    __tablename__ = "patrols"
    __table_args__ = (
        one_of("patrols", "status", PATROL_STATES),
        CheckConstraint("(status = 'finished') = (finished_at IS NOT NULL)",
                        name="ck_patrols_finished"),
        Index("ix_patrols_member_started", "member_id", "started_at"),
        Index("ix_patrols_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("grid_members.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default="walking",
                                        server_default="walking")
    distance_m: Mapped[float | None] = mapped_column(Float)
    track = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True))


class PatrolPoint(Base):
    """One recorded position of a patrol (every 30 s or 20 m on the phone). A batch sent
    twice adds nothing: the key is (patrol, time)."""

    __tablename__ = "patrol_points"

    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrols.id"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    accuracy_m: Mapped[float | None] = mapped_column(Float)


class PatrolGrid(Base):
    """A grid a patrol walked through: when first and last, how many points (the coverage
    page's facts, kept up to date as points arrive)."""

    __tablename__ = "patrol_grids"
    __table_args__ = (Index("ix_patrol_grids_grid_id", "grid_id", "last_at"),)

    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrols.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True)
    first_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    points: Mapped[int] = mapped_column(Integer)


class Notification(Base):
    """An in-app notification for one account (a worker's new task, a task due soon, returned
    or reopened). ``key`` makes a notification that is derived from a state (due soon) unique,
    so finding it again adds nothing."""

    __tablename__ = "notifications"
    __table_args__ = (
        one_of("notifications", "kind", NOTIFICATION_KINDS),
        Index("uq_notifications_key", "user_id", "kind", "key", unique=True,
              postgresql_where=text("key IS NOT NULL")),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    details = mapped_column(JSONB)
