"""Failed sign-in attempts, kept briefly so every process applies the same throttle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, utcnow


class SignInAttempt(Base):
    """One failed password or second-factor attempt, for one account key and one client address."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_account_occurred_at", "account", "occurred_at"),
        Index("ix_sign_in_attempts_ip_address_occurred_at", "ip_address", "occurred_at"),
        Index("ix_sign_in_attempts_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The e-mail address as typed (trimmed, lower-cased), whether or not such an account exists,
    # so the throttle behaves the same for real and made-up accounts.
    account: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(45))
    # Which step failed: "password", "totp", "recovery_code" or "current_password".
    stage: Mapped[str] = mapped_column(String(20))
