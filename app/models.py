"""Database tables (SQLAlchemy 2.0 typed style). See DESIGN.md "Data model".

Every geometry is stored in EPSG:4326 with exactly one GiST index (GeoAlchemy2's
``spatial_index=True``); polygon columns also carry ``CHECK (ST_IsValid(geom))`` so that
no invalid polygon can reach a spatial operation later. Codes follow the national pattern
(``geo.codes``).
"""

from __future__ import annotations

import datetime as dt

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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo.core.statuses import OPEN_SQL, SOURCES, STATUSES


class Base(DeclarativeBase):
    pass


def _polygons():
    return Geometry("MULTIPOLYGON", srid=4326, spatial_index=True)


def _valid(table: str) -> CheckConstraint:
    return CheckConstraint("ST_IsValid(geom)", name=f"ck_{table}_geom_valid")


def _one_of(table: str, column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


MEMBER_ROLES = ("grid_chief", "full_time", "part_time", "building_head")
PARTY_ORG_LEVELS = ("community_committee", "grid_branch", "building_group")
PARTY_MEMBER_KINDS = ("resident", "in_service")
INCIDENT_STATUSES = STATUSES
INCIDENT_SOURCES = SOURCES
# Work not finished: listed in queues, counted as overdue past its due time.
OPEN_WHERE = f"status IN {OPEN_SQL}"
# How an incident's location was matched to a grid (geo.places.assign): inside a grid, snapped to a
# grid within ASSIGN_SNAP_METERS, outside every grid, or moved to a grid by a dispatcher.
# No incident_locations row = not located yet.
ASSIGN_STATES = ("covered", "snapped", "out_of_area", "moved")
# Who an incident was routed to (geo.incidents.intake): the grid's on-duty full-time worker, its
# chief when none is on duty, the community office (a category override), or nobody.
ROUTES = ("full_time", "grid_chief", "community_office", "unassigned", "manual")
CLOCKS = ("calendar", "working")
CATEGORY_ROUTES = ("grid", "community_office")
HOLIDAY_KINDS = ("holiday", "workday")
PLAN_STATUSES = ("draft", "published", "discarded")
USER_ROLES = ("admin", "planner", "dispatcher", "member", "viewer")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (_valid("communities"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    street_name: Mapped[str | None] = mapped_column(String(200))
    street_code: Mapped[str | None] = mapped_column(String(9))
    households: Mapped[int | None] = mapped_column(Integer)
    office_address: Mapped[str | None] = mapped_column(String(300))
    geom = mapped_column(_polygons(), nullable=False)


class Plan(Base):
    """A draft redraw of one community's grids (geo.plans.drafts). ``version`` counts writes:
    it is the plan's ETag, and a write naming an older version is refused."""

    __tablename__ = "plans"
    __table_args__ = (_one_of("plans", "status", PLAN_STATUSES),
                      Index("ix_plans_community_id", "community_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    # current | empty | version | plan | file | buildings: how the plan was started
    source: Mapped[str | None] = mapped_column(String(20))


class Grid(Base):
    """One version of a grid boundary; the current version has ``valid_to`` NULL."""

    __tablename__ = "grids"
    __table_args__ = (
        _valid("grids"),
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
    geom = mapped_column(_polygons(), nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, server_default=func.current_date())
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (
        _valid("buildings"),
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
    geom = mapped_column(_polygons(), nullable=False)
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))


class GridMember(Base):
    """A grid worker (网格员): ``public_phone`` may be shown to residents; ``private_phone``
    never leaves the server on public routes."""

    __tablename__ = "grid_members"
    __table_args__ = (
        _one_of("grid_members", "role", MEMBER_ROLES),
        Index("ix_grid_members_grid_id", "grid_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    public_phone: Mapped[str | None] = mapped_column(String(30))
    private_phone: Mapped[str | None] = mapped_column(String(30))
    service_hours: Mapped[str | None] = mapped_column(String(100))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Off duty (leave, sick): routing passes over the worker; still listed publicly.
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class PartyOrg(Base):
    __tablename__ = "party_orgs"
    __table_args__ = (_one_of("party_orgs", "level", PARTY_ORG_LEVELS),
                      Index("ix_party_orgs_grid_id", "grid_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(30))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))


class PartyMember(Base):
    """A party member (党员). Personal data: never leaves the server except as counts."""

    __tablename__ = "party_members"
    __table_args__ = (_one_of("party_members", "kind", PARTY_MEMBER_KINDS),
                      Index("ix_party_members_serving_grid_id", "serving_grid_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id"))
    home_building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    serving_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    households_linked: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    """An incident (事件). Where it was located (grid, community) is in ``IncidentLocation``."""

    __tablename__ = "incidents"
    __table_args__ = (
        _one_of("incidents", "status", INCIDENT_STATUSES),
        _one_of("incidents", "source", INCIDENT_SOURCES),
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
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    address: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20), default="other")
    external_id: Mapped[str | None] = mapped_column(String(100))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    status: Mapped[str] = mapped_column(String(20), default="reported")
    priority: Mapped[int] = mapped_column(Integer, default=2)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("grid_members.id"))
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


class IncidentLocation(Base):
    """Where an incident was located: the grid version in force then, and how it matched.

    One row per located incident; an incident without a row has not been located yet.
    Kept apart from ``incidents`` on purpose: bulk assignment appends these narrow rows
    instead of rewriting a million wide incident rows in place (about 9x cheaper, see
    the README's performance notes), and re-location after a redraw touches only them.
    """

    __tablename__ = "incident_locations"
    __table_args__ = (
        _one_of("incident_locations", "state", ASSIGN_STATES),
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
    __table_args__ = (Index("ix_incident_events_incident_id", "incident_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details = mapped_column(JSONB)  # what else changed: grid moved, assignee, merge target


class Category(Base):
    """An incident category with its time limits (admin-edited) and routing override."""

    __tablename__ = "categories"
    __table_args__ = (
        _one_of("categories", "clock", CLOCKS),
        _one_of("categories", "route_to", CATEGORY_ROUTES),
        CheckConstraint("response_hours > 0 AND resolve_hours >= response_hours",
                        name="ck_categories_hours"),
    )

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name_en: Mapped[str | None] = mapped_column(String(100))
    response_hours: Mapped[float] = mapped_column(Float)
    resolve_hours: Mapped[float] = mapped_column(Float)
    clock: Mapped[str] = mapped_column(String(10), default="working")
    route_to: Mapped[str] = mapped_column(String(20), default="grid")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class Holiday(Base):
    """A day off on a weekday (holiday) or a working weekend day (调休 workday)."""

    __tablename__ = "holidays"
    __table_args__ = (_one_of("holidays", "kind", HOLIDAY_KINDS),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(100))


class PlanGrid(Base):
    __tablename__ = "plan_grids"
    __table_args__ = (_valid("plan_grids"), Index("ix_plan_grids_plan_id", "plan_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(15))
    name: Mapped[str] = mapped_column(String(200))
    geom = mapped_column(_polygons(), nullable=False)


class PlanBuilding(Base):
    """Building-based editing: the grid code a plan puts a building in."""

    __tablename__ = "plan_buildings"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"),
                                         primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"),
                                             primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15))


class User(Base):
    """A staff account. ``session_key`` is what a login session carries: replacing it
    (disable, password change) ends every session of the user at once."""

    __tablename__ = "users"
    __table_args__ = (_one_of("users", "role", USER_ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_key: Mapped[str] = mapped_column(String(64), unique=True)
    # use_alter: users → grid_members → grids → plans → users is a cycle of keys.
    grid_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_members.id", use_alter=True, name="fk_users_grid_member_id"))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())


class UserCommunity(Base):
    """Limits a staff account to some communities; an account with no rows sees them all."""

    __tablename__ = "user_communities"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)


class ApiToken(Base):
    """A bearer token for machine clients. Only its SHA-256 is stored: a token is 256
    random bits, so a slow password hash would add nothing but latency to every call."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who changed what, when, from where; ``before``/``after`` hold the changed fields."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str | None] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(50))
    before = mapped_column(JSONB)
    after = mapped_column(JSONB)
    ip: Mapped[str | None] = mapped_column(String(45))


class LayerImport(Base):
    """One row per ``layers import`` run: what was loaded, from where, by whom."""

    __tablename__ = "layer_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_loaded: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_repaired: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
