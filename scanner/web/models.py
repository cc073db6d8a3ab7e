"""SQLAlchemy models of the web application, on the shared ``scanner.store.db.Base``.

Accounts (``web_user``: argon2 hash, roles, TOTP, lockout), server-side sessions
(``web_session``: only the SHA-256 of the cookie's token is kept), scoped API tokens
(``web_api_token``: hashed at rest, revocable), waivers as a workflow (``web_waiver``:
request → approve → expire), approvals of register decisions that need a second person
(``web_approval``: a review submitted for approval, a materiality decision), scan jobs and
their uploaded files (``web_scan_job``, ``web_scan_job_file``: see scanner.web.jobs) and the
application's own settings (``web_setting``: the signing key). Tables are prefixed
``web_``; schema changes go through ``scanner/web/migrations`` (alembic branch ``web``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scanner.store.db import Base

__all__ = ["User", "WebSession", "ApiToken", "WaiverRequest", "Approval", "WebSetting", "ScanJob", "ScanJobFile"]


class User(Base):
    __tablename__ = "web_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: single sign-on only
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a code is accepted once
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    oidc_subject: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    mfa_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    via: Mapped[str] = mapped_column(String(20), default="password", server_default="password")  # password / oidc

    user: Mapped[User] = relationship()


class ApiToken(Base):
    __tablename__ = "web_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # shown to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)  # permissions, a subset of the user's
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class WaiverRequest(Base):
    """An exception (例外) asked for by one person and approved by another, until it expires."""

    __tablename__ = "web_waiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy: Mapped[str] = mapped_column(String(100))
    resources: Mapped[list[str]] = mapped_column(JSON, default=list)  # exact ids or globs
    reason: Mapped[str] = mapped_column(Text)
    compensating_control: Mapped[str] = mapped_column(Text)  # 補償性措施
    owner: Mapped[str] = mapped_column(String(200))
    expires: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="requested")  # requested / approved / rejected
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)


class Approval(Base):
    """A register decision waiting for, or given, a second person's approval."""

    __tablename__ = "web_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # review / materiality
    subject: Mapped[str] = mapped_column(String(300), index=True)  # provider/service
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending / approved / rejected
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSetting(Base):
    __tablename__ = "web_setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class ScanJob(Base):
    """A scan of uploaded export files, run in-process or by a worker of the task queue:
    its state is kept here so a restart of the server (or of a worker) loses nothing."""

    __tablename__ = "web_scan_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    runner: Mapped[str] = mapped_column(String(20), default="in-process")  # in-process / queue
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)  # queued / running / done / failed
    stage: Mapped[str] = mapped_column(String(40), default="")
    waivers: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the approved waivers when it was asked for
    skipped: Mapped[list[str]] = mapped_column(JSON, default=list)
    scan_id: Mapped[int | None] = mapped_column(Integer)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    task_id: Mapped[str | None] = mapped_column(String(64))  # the queue's task
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScanJobFile(Base):
    """An uploaded file of a scan job, kept until the job has run."""

    __tablename__ = "web_scan_job_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("web_scan_job.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
