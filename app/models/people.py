"""People and organisations (issue 19): grid workers with the grids they serve (dated),
their duty schedule and leave; the party's organisation tree and members with their
双报到 registration; departments and resident units. Written only through
``geo.people`` (pages, API, CLI imports and the demo alike)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of
from geo.people.words import (
    DEPARTMENT_KINDS,
    PARTY_MEMBER_KINDS,
    PARTY_ORG_LEVELS,
    REGISTRATION_STATES,
    WORKER_ROLES,
)

MEMBER_ROLES = WORKER_ROLES


def _version() -> Mapped[int]:
    """The row's version: its ETag; every change adds one (If-Match on updates)."""
    return mapped_column(Integer, default=1, server_default="1")


def _created() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class GridMember(Base):
    """A grid worker (网格员). ``public_phone`` is shown to residents only when ``publish``
    (consent given on ``consent_on``); ``private_phone`` never leaves the server on public
    routes. On duty: on a ``duty_days`` weekday (ISO, 1 = Monday) between ``duty_start``
    and ``duty_end`` local time, and not on leave; no schedule means always."""

    __tablename__ = "grid_members"
    __table_args__ = (
        one_of("grid_members", "role", WORKER_ROLES),
        CheckConstraint("(duty_start IS NULL) = (duty_end IS NULL)",
                        name="ck_grid_members_duty_hours"),
        Index("ix_grid_members_community_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    public_phone: Mapped[str | None] = mapped_column(String(30))
    private_phone: Mapped[str | None] = mapped_column(String(30))
    service_hours: Mapped[str | None] = mapped_column(String(100))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    publish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    consent_on: Mapped[dt.date | None] = mapped_column(Date)
    duty_days: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    duty_start: Mapped[dt.time | None] = mapped_column(Time)
    duty_end: Mapped[dt.time | None] = mapped_column(Time)
    version: Mapped[int] = _version()
    created_at: Mapped[dt.datetime] = _created()


class WorkerGrid(Base):
    """A worker serves a grid from ``served_from`` through ``served_to`` (inclusive; NULL:
    until further notice). ``grid_id`` follows the grid's current version on a redraw."""

    __tablename__ = "worker_grids"
    __table_args__ = (
        CheckConstraint("served_to IS NULL OR served_to >= served_from",
                        name="ck_worker_grids_dates"),
        Index("ix_worker_grids_grid_id", "grid_id"),
        Index("ix_worker_grids_worker_id", "worker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("grid_members.id", ondelete="CASCADE"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    served_from: Mapped[dt.date] = mapped_column(Date, server_default=func.current_date())
    served_to: Mapped[dt.date | None] = mapped_column(Date)


class WorkerLeave(Base):
    """Leave from ``starts_on`` through ``ends_on`` (inclusive, local days; NULL: until
    further notice); the incidents of the worker's grids go to ``substitute_id``."""

    __tablename__ = "worker_leave"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_worker_leave_dates"),
        CheckConstraint("substitute_id <> worker_id", name="ck_worker_leave_substitute"),
        Index("ix_worker_leave_worker_id", "worker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("grid_members.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("grid_members.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = _created()


class PartyOrg(Base):
    """A party organisation; ``parent_id`` makes the tree 社区党委 → 网格党支部 → 楼栋党小组."""

    __tablename__ = "party_orgs"
    __table_args__ = (one_of("party_orgs", "level", PARTY_ORG_LEVELS),
                      Index("ix_party_orgs_grid_id", "grid_id"),
                      Index("ix_party_orgs_parent_id", "parent_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    version: Mapped[int] = _version()


class PartyMember(Base):
    """A party member (党员). Personal data: never leaves the server on public routes, and
    the statistics count only ``confirmed`` members not yet ``left_on``."""

    __tablename__ = "party_members"
    __table_args__ = (one_of("party_members", "kind", PARTY_MEMBER_KINDS),
                      one_of("party_members", "status", REGISTRATION_STATES),
                      Index("ix_party_members_serving_grid_id", "serving_grid_id"),
                      Index("ix_party_members_community_id", "community_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id"))
    home_building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    serving_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    households_linked: Mapped[int] = mapped_column(Integer, default=0)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    work_unit: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="confirmed",
                                        server_default="confirmed")
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = _version()
    created_at: Mapped[dt.datetime] = _created()


class Department(Base):
    """A functional department (职能部门) or resident unit (驻区单位): who to call, the
    communities it serves (``department_communities``) and the categories it handles."""

    __tablename__ = "departments"
    __table_args__ = (one_of("departments", "kind", DEPARTMENT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    version: Mapped[int] = _version()
    created_at: Mapped[dt.datetime] = _created()


class DepartmentCommunity(Base):
    __tablename__ = "department_communities"
    __table_args__ = (Index("ix_department_communities_community_id", "community_id"),)

    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)


class DepartmentCategory(Base):
    __tablename__ = "department_categories"

    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), primary_key=True)
