"""Database tables (SQLAlchemy 2.0 typed style), one module per domain. See DESIGN.md "Data model".

``base`` holds the declarative base and the column helpers; ``places``, ``people``,
``incidents``, ``field``, ``plans``, ``boundaries``, ``accounts``, ``stats`` and ``layers``
hold the tables (``verify``: the call-back ratings of incidents).
Importing this package imports every module, so ``Base.metadata`` (what Flask-SQLAlchemy,
``migrations/env.py`` and Alembic's autogenerate compare against) always holds every table.
Codes follow the national pattern (DESIGN.md "Data model"; checked by ``geo.core.params.code``).
"""

from app.models.accounts import (
    USER_ROLES,
    ApiToken,
    AuditEntry,
    LoginSession,
    LoginThrottle,
    User,
    UserCommunity,
)
from app.models.base import Base
from app.models.boundaries import (
    CHANGE_KINDS,
    CHANGE_STATUSES,
    OVERLAY_KINDS,
    OVERLAY_UNITS,
    BoundaryChange,
    BoundaryChangeGrid,
    Overlay,
)
from app.models.escalation import (
    EXTENSION_STATES,
    DispatchCatalogueEntry,
    IncidentExtension,
)
from app.models.field import (
    NOTIFICATION_KINDS,
    PATROL_STATES,
    IncidentPhoto,
    Notification,
    Patrol,
    PatrolGrid,
    PatrolPoint,
)
from app.models.imports import JOB_STATES, ImportJob, ImportPreset
from app.models.incidents import (
    ASSIGN_STATES,
    CATEGORY_ROUTES,
    CLOCKS,
    HOLIDAY_KINDS,
    OPEN_WHERE,
    PRECEDENCES,
    ROUTES,
    Category,
    Holiday,
    Incident,
    IncidentEvent,
    IncidentLocation,
    ResidentReport,
)
from app.models.layers import LayerImport
from app.models.outbox import (
    DELIVERY_CHANNELS,
    DELIVERY_STATES,
    REMINDER_AUDIENCES,
    Delivery,
    DeliveryAttempt,
    Outbox,
    ReminderSent,
    ReminderStep,
    WebhookEndpoint,
)
from app.models.people import (
    MEMBER_ROLES,
    PARTY_MEMBER_KINDS,
    PARTY_ORG_LEVELS,
    Department,
    DepartmentCategory,
    DepartmentCommunity,
    GridMember,
    PartyMember,
    PartyOrg,
    WorkerGrid,
    WorkerLeave,
)
from app.models.places import Building, Community, CommunityVersion, Grid
from app.models.plans import PLAN_STATUSES, Plan, PlanBuilding, PlanGrid
from app.models.retention import RetentionRun
from app.models.stats import BuildingCoverage, IncidentFact, StatsDirty, StatsRange, StatsState
from app.models.verify import IncidentRating

__all__ = [
    "EXTENSION_STATES", "DispatchCatalogueEntry", "IncidentExtension",
    "CHANGE_KINDS", "CHANGE_STATUSES", "BoundaryChange", "BoundaryChangeGrid",
    "OVERLAY_KINDS", "OVERLAY_UNITS", "Overlay", "PRECEDENCES",
    "JOB_STATES", "ImportJob", "ImportPreset",
    "DELIVERY_CHANNELS", "DELIVERY_STATES", "Delivery", "DeliveryAttempt", "Outbox",
    "REMINDER_AUDIENCES", "ReminderSent", "ReminderStep", "WebhookEndpoint",
    "NOTIFICATION_KINDS", "PATROL_STATES", "IncidentPhoto", "Notification", "Patrol",
    "PatrolGrid", "PatrolPoint",
    "ASSIGN_STATES", "CATEGORY_ROUTES", "CLOCKS", "HOLIDAY_KINDS", "MEMBER_ROLES", "OPEN_WHERE",
    "PARTY_MEMBER_KINDS", "PARTY_ORG_LEVELS", "PLAN_STATUSES", "ROUTES", "USER_ROLES",
    "ApiToken", "AuditEntry", "Base", "Building", "BuildingCoverage", "Category", "Community",
    "CommunityVersion", "Department", "DepartmentCategory", "DepartmentCommunity",
    "Grid", "GridMember", "Holiday", "Incident", "IncidentEvent", "IncidentFact",
    "IncidentLocation", "LayerImport", "LoginSession", "LoginThrottle", "PartyMember",
    "PartyOrg", "Plan", "PlanBuilding",
    "PlanGrid", "ResidentReport", "StatsDirty", "StatsRange", "StatsState", "User",
    "UserCommunity", "WorkerGrid", "WorkerLeave",
    "IncidentRating", "RetentionRun",
]
