"""The change log's row: who changed what in a register, when (never updated or deleted).

Table ``vendor_change`` (its name from when only the vendor register wrote it; created by
``vendor_dd/migrations``). CSM CC-18000 (5): the registers' own audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from scanner.store.db import Base

__all__ = ["Change"]


class Change(Base):
    """One change to the register: who, when, what (never updated or deleted)."""

    __tablename__ = "vendor_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))  # create / update / add / start / complete …
    entity: Mapped[str] = mapped_column(String(30))  # provider / service / contract / evidence …
    key: Mapped[str] = mapped_column(String(300))  # aws-tw/core-trading
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
