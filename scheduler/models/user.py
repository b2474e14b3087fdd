"""People who use Gatepost, their second factors and their API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, utcnow


class Role(StrEnum):
    """What a person does in the team; channel access lists narrow it per channel."""

    AUTHOR = "author"
    APPROVER = "approver"
    ADMIN = "admin"


def _new_login_id() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """A person with a password, a role and, for approvers and admins, a second factor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="user_role",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated on password change, 2FA change or "sign out everywhere": old sessions stop working.
    login_id: Mapped[str] = mapped_column(String(64), unique=True, default=_new_login_id)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_counter: Mapped[int | None]
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    # --- Added by the web UI branch (two-factor enrolment) ---
    # A secret being set up in an authenticator app, not yet confirmed by a code. Kept apart from
    # totp_secret so that resetting 2FA leaves the old app working until the new one is proven.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    # --- end of web UI block ---

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        """Return the name to show, falling back to the e-mail address."""
        return self.name or self.email

    @property
    def is_admin(self) -> bool:
        """Return whether this person is an admin (social media lead)."""
        return self.role is Role.ADMIN

    @property
    def totp_enabled(self) -> bool:
        """Return whether the person has a confirmed authenticator app."""
        return self.totp_enabled_at is not None

    @property
    def requires_second_factor(self) -> bool:
        """Return whether policy requires this person to use 2FA (approvers and admins)."""
        return self.role in (Role.APPROVER, Role.ADMIN)

    # Flask-Login's user protocol, spelled out so the domain needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.login_id

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class ApiToken(Base):
    """A personal API token: shown once, stored as a hash, scoped and expiring."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The token whose request created this one (None: made at the command line or on a page);
    #: revoking it revokes this one too.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        """Return the scopes as a set."""
        return frozenset(scope for scope in self.scopes.split(",") if scope)
