"""Incidents: the incident, where it was located, its history, categories with their time
limits, the holiday calendar, and what a resident sent with a report.

Statuses and sources are domain facts of ``geo.core.statuses``; the CHECK constraints here
name the same tuples.
"""

from __future__ import annotations

import datetime as dt
import uuid

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of, utcnow
from geo.core.statuses import OPEN_SQL, SOURCES, STATUSES, VERIFIERS
from geo.people.words import OFF_HOURS_RULES

# Work not finished: listed in queues, counted as overdue past its due time.
OPEN_WHERE = f"status IN {OPEN_SQL}"
# How an incident's location was matched to a grid (geo.places.assign): inside a grid, snapped to a
# grid within ASSIGN_SNAP_METERS, outside every grid, or moved to a grid by a dispatcher.
# No incident_locations row = not located yet.
ASSIGN_STATES = ("covered", "snapped", "out_of_area", "moved")
# Who an incident was routed to (geo.incidents.intake): the grid's on-duty full-time worker, its
# chief when none is on duty, the community office (a category override), or nobody.
# "substitute": the full-time worker is on leave and named a substitute (geo.incidents.routing).
# "overlay": a responsibility overlay's unit answers (``overlay_id``; geo.incidents.routing).
# "department", "street_office": escalated there (geo.incidents.escalation).
ROUTES = ("full_time", "substitute", "grid_chief", "community_office", "unassigned", "manual",
          "overlay", "department", "street_office")
CLOCKS = ("calendar", "working")
CATEGORY_ROUTES = ("grid", "community_office")
# Which answers first where a responsibility overlay covers the place: the grid (事件先属地,
# the default) or the overlay's owner (部件先属主).
PRECEDENCES = ("place", "owner")
HOLIDAY_KINDS = ("holiday", "workday")


class Incident(Base):
    """An incident (事件). Where it was located (grid, community) is in ``IncidentLocation``."""

    __tablename__ = "incidents"
    __table_args__ = (
        one_of("incidents", "status", STATUSES),
        one_of("incidents", "source", SOURCES),
        one_of("incidents", "routed_to", ROUTES),
        CheckConstraint("routed_to <> 'overlay' OR overlay_id IS NOT NULL",
                        name="ck_incidents_overlay"),
        Index("ix_incidents_overlay_id", "overlay_id",
              postgresql_where=text("overlay_id IS NOT NULL")),
        Index("ix_incidents_reported_at", "reported_at"),
        Index("uq_incidents_external_id", "external_id", unique=True,
              postgresql_where=text("external_id IS NOT NULL")),
        Index("ix_incidents_assignee_id", "assignee_id"),
        # The work queue: open incidents by deadline (a few per cent of the table).
        Index("ix_incidents_open_due", "due_at", postgresql_where=text(OPEN_WHERE)),
        # Self-references: without these, changing an incident's key scans the table.
        Index("ix_incidents_duplicate_of_id", "duplicate_of_id",
              postgresql_where=text("duplicate_of_id IS NOT NULL")),
        Index("ix_incidents_merged_into_id", "merged_into_id",
              postgresql_where=text("merged_into_id IS NOT NULL")),
        # A problem reported from the field app: a repeat of the same report is a no-op.
        Index("uq_incidents_client_id", "client_id", unique=True,
              postgresql_where=text("client_id IS NOT NULL")),
        Index("ix_incidents_patrol_id", "patrol_id",
              postgresql_where=text("patrol_id IS NOT NULL")),
        Index("ix_incidents_department_id", "department_id",
              postgresql_where=text("department_id IS NOT NULL")),
        # Retention (geo.incidents.retention): finished incidents still holding a reporter's
        # data, by closure; anonymised rows leave it.
        Index("ix_incidents_retention", "closed_at", postgresql_where=text(
            "closed_at IS NOT NULL AND (reporter_name IS NOT NULL OR reporter_phone IS NOT NULL)")),
        # The queue's search (geo.incidents.store.reads): every branch of its OR indexed, so
        # ten years of incidents are not read for a repeat caller's phone or a ticket.
        Index("ix_incidents_reporter_digits",
              text("regexp_replace(reporter_phone, '\\D', '', 'g')"),
              postgresql_where=text("reporter_phone IS NOT NULL")),
        # words of two characters or more: text_pieces() is migration 0024_pieces' function
        Index("ix_incidents_description_pieces", text("text_pieces(description)"),
              postgresql_using="gin"),
        Index("ix_incidents_address_pieces", text("text_pieces(address)"),
              postgresql_using="gin"),
        # (and st_incidents_reporter_digits, 0024_pieces: statistics of the phone digits,
        # which the partial index above does not give the planner)
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    address: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20), default="other")
    external_id: Mapped[str | None] = mapped_column(String(100))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="reported")
    priority: Mapped[int] = mapped_column(Integer, default=2)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("grid_members.id"))
    # Escalated to a department (吹哨报到): it works the incident, not a grid worker.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(30))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    response_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    routed_to: Mapped[str | None] = mapped_column(String(20))
    # Another current grid within BOUNDARY_METERS of the point: the dispatcher may move it.
    boundary_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    boundary_distance_m: Mapped[float | None] = mapped_column(Float)
    # An earlier open incident of the same category nearby (DUPLICATE_METERS/_HOURS).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Reported from the field app (app.models.field): its client-generated id; the patrol.
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    patrol_id: Mapped[int | None] = mapped_column(ForeignKey("patrols.id", use_alter=True,
                                                             name="fk_incidents_patrol_id"))
    # The responsibility overlay whose unit it was routed to (routed_to = 'overlay').
    overlay_id: Mapped[int | None] = mapped_column(ForeignKey("overlays.id"))
    # 返工: times a verification failed (rework) and sent it back to the assignee.
    rework_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # When retention removed the reporter's data (NULL: never, or nothing to remove).
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class IncidentLocation(Base):
    """Where an incident was located: the grid version in force then, and how it matched.

    One row per located incident; an incident without a row has not been located yet.
    Kept apart from ``incidents`` on purpose: bulk assignment appends these narrow rows
    instead of rewriting a million wide incident rows in place (about 9x cheaper, see
    docs/benchmarks.md), and re-location after a redraw touches only them.
    """

    __tablename__ = "incident_locations"
    __table_args__ = (
        one_of("incident_locations", "state", ASSIGN_STATES),
        CheckConstraint("(state = 'snapped') = (snap_distance_m IS NOT NULL)",
                        name="ck_incident_locations_snap"),
        CheckConstraint("(state = 'out_of_area') = (grid_id IS NULL)",
                        name="ck_incident_locations_grid"),
        Index("ix_incident_locations_grid_id", "grid_id"),
    )

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    state: Mapped[str] = mapped_column(String(12))
    snap_distance_m: Mapped[float | None] = mapped_column(Float)
    located_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class IncidentEvent(Base):
    """Append-only history of every change to an incident."""

    __tablename__ = "incident_events"
    __table_args__ = (
        Index("ix_incident_events_incident_id", "incident_id"),
        # An action sent from the field app: sent twice (offline queue, retries), done once.
        Index("uq_incident_events_client_id", "client_id", unique=True,
              postgresql_where=text("client_id IS NOT NULL")),
        # Open311 servicerequestupdates: status changes in a time window (0021_outbox).
        Index("ix_incident_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details = mapped_column(JSONB)  # what else changed: grid moved, assignee, merge target
    # From the field app: the action's client-generated id, and the phone's GPS fix when it was
    # taken (with its accuracy and its distance from the incident, for whoever verifies).
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    fix = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    fix_accuracy_m: Mapped[float | None] = mapped_column(Float)
    fix_distance_m: Mapped[float | None] = mapped_column(Float)


class Category(Base):
    """An incident category with its time limits (admin-edited), routing override and
    whether residents see it (``public``: offered on the public map, its incidents listed on
    the public Open311 reads)."""

    __tablename__ = "categories"
    __table_args__ = (
        one_of("categories", "clock", CLOCKS),
        one_of("categories", "route_to", CATEGORY_ROUTES),
        one_of("categories", "off_hours", OFF_HOURS_RULES),
        one_of("categories", "precedence", PRECEDENCES),
        one_of("categories", "verify_by", VERIFIERS),
        CheckConstraint("response_hours > 0 AND resolve_hours >= response_hours",
                        name="ck_categories_hours"),
        CheckConstraint("urgent_factor > 0 AND urgent_factor <= 1",
                        name="ck_categories_urgent_factor"),
    )

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name_en: Mapped[str | None] = mapped_column(String(100))
    response_hours: Mapped[float] = mapped_column(Float)
    resolve_hours: Mapped[float] = mapped_column(Float)
    clock: Mapped[str] = mapped_column(String(10), default="working")
    route_to: Mapped[str] = mapped_column(String(20), default="grid")
    # Reported while no worker of the grid is on duty (geo.people.words.OFF_HOURS_RULES).
    off_hours: Mapped[str] = mapped_column(String(20), default="worker",
                                           server_default="worker")
    # Where a responsibility overlay covers the place: grid first or owner first (PRECEDENCES).
    precedence: Mapped[str] = mapped_column(String(10), default="place",
                                            server_default="place")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # May its incidents appear on public routes (coarsened)? Not unless an admin says so.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Does resolving need evidence (at least one photo) from the field app?
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=text("false"))
    # Who verifies (核查) its resolved work (geo.incidents.verification); never the resolver.
    verify_by: Mapped[str] = mapped_column(String(20), default="dispatcher",
                                           server_default="dispatcher")
    # An urgent incident (priority 1) gets the limits times this factor (geo.incidents.intake).
    urgent_factor: Mapped[float] = mapped_column(Float, default=0.5, server_default="0.5")


class Holiday(Base):
    """A day off on a weekday (holiday) or a working weekend day (调休 workday)."""

    __tablename__ = "holidays"
    __table_args__ = (one_of("holidays", "kind", HOLIDAY_KINDS),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(100))


class ResidentReport(Base):
    """A report made on the public map: its incident, the reference the resident looks it
    up by, the note staff publish for the resident, and its photo.

    The photo is kept here (bytea, TOASTed out of line) rather than in files: it lands in
    the same transaction as the incident, goes into every backup and replica with it, and
    the web processes stay stateless. Photos are re-encoded JPEGs of at most 2 MiB.
    """

    __tablename__ = "resident_reports"
    __table_args__ = (CheckConstraint("photo IS NULL OR octet_length(photo) <= 2097152",
                                      name="ck_resident_reports_photo_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    public_note: Mapped[str | None] = mapped_column(String(500))
    public_note_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
