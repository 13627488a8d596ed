"""Incident imports: background jobs (one row per uploaded file, with its progress and
report) and the column-mapping presets an account saves for its exports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of

JOB_STATES = ("queued", "running", "done", "failed")


class ImportJob(Base):
    """An import run in the background (``geo.incidents.imports.jobs``): the file and its
    options, who runs it and with which community limit, a lease (``lease_until``) a
    worker renews while it works, progress, and the report or the error at the end. The
    file is kept in the row so that any worker (and a restarted one) can run it; it is
    emptied when the job ends."""

    __tablename__ = "import_jobs"
    __table_args__ = (one_of("import_jobs", "state", JOB_STATES),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    actor: Mapped[str] = mapped_column(String(100))
    scope: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    file_name: Mapped[str] = mapped_column(String(255))
    options: Mapped[dict] = mapped_column(JSONB)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10), server_default="queued")
    step: Mapped[str | None] = mapped_column(String(10))
    rows_done: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_total: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    worker: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=text("now()"))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ImportPreset(Base):
    """A column mapping (and format options) an account saved under a name."""

    __tablename__ = "import_presets"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_import_presets_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    mapping: Mapped[dict] = mapped_column(JSONB)
    options: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=text("now()"))
