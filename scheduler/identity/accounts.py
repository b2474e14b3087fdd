"""People: creating them, finding them and checking their passwords."""

from __future__ import annotations

from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.access.rules import acts_as_admin
from scheduler.core import audit
from scheduler.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.identity.passwords import (
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from scheduler.models import Role, User, utcnow


def normalise_email(email: str) -> str:
    """Return the e-mail address trimmed and lower-cased, or refuse one that is not an address.

    The syntax is the `email-validator` library's (RFC 5321/5322 as mail servers accept it, no
    quoted or bracketed forms, no display names such as `x<script>@...`); nothing is looked up.
    Every address given for a person (`gatepost users create`, the admin's users page, through
    create_user) passes through here.
    """
    email = email.strip()
    try:
        checked = validate_email(email, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        why = str(error).rstrip(".")
        raise ValidationFailed(
            f"{email!r} is not an e-mail address: {why[:1].lower()}{why[1:]}; write it like "
            "name@example.gov.uk",
            field="email",
        ) from None
    normalised = checked.normalized.lower()
    if len(normalised) > 254:
        raise ValidationFailed(
            f"{email!r} is too long for an e-mail address (at most 254 characters)",
            field="email",
        )
    return normalised


def parse_role(value: str) -> Role:
    """Return the role named, or refuse with the list of roles."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise ValidationFailed(
            f"Unknown role {value!r}; choose one of {choices}", field="role"
        ) from None


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role | str,
    name: str = "",
    by: User | None = None,
    actor_label: str = "",
) -> User:
    """Create a person with a hashed password and record it in the audit trail."""
    if not acts_as_admin(by):
        raise PermissionDenied("Only admins can add people")
    email = normalise_email(email)
    role = role if isinstance(role, Role) else parse_role(role)
    check_password_strength(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"There is already a user with e-mail {email}", field="email")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user_created",
        actor=by,
        actor_label=actor_label,
        subject_user=user,
        details={"email": email, "role": role.value},
    )
    return user


def get_user_by_email(session: Session, email: str) -> User:
    """Return the user with that e-mail address, or raise NotFound."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(
            f"No user with e-mail {email.strip()!r}; check the spelling or create them first"
        )
    return user


def list_users(session: Session) -> Sequence[User]:
    """Return every user, ordered by e-mail."""
    return session.scalars(select(User).order_by(User.email)).all()


def count_users(session: Session) -> int:
    """Return how many users exist."""
    return session.scalar(select(func.count()).select_from(User)) or 0


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with that e-mail and password, or None."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None
    if not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user
