"""Single-use recovery codes that stand in for a lost authenticator app.

Each code carries about 79 bits of randomness, so a fast hash (SHA-256) protects the stored
copies as well as a slow password hash would, and checking one costs a single indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.core import audit
from scheduler.core.errors import ValidationFailed
from scheduler.identity.account_security import require_current_password
from scheduler.models import RecoveryCode, User

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper and typed by hand.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_GROUPS = 4
_GROUP_LENGTH = 4


def new_recovery_code() -> str:
    """Return one random code written as four groups of four characters."""
    groups = (
        "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LENGTH)) for _ in range(_GROUPS)
    )
    return "-".join(groups)


def hash_recovery_code(code: str) -> str:
    """Return the stored form of a code, ignoring case, spaces and hyphens."""
    normalised = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """Throw away the person's codes and give them new ones, returned in clear this once."""
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    user.recovery_codes.clear()
    session.flush()
    user.recovery_codes.extend(RecoveryCode(code_hash=hash_recovery_code(code)) for code in codes)
    session.flush()
    return codes


def regenerate_recovery_codes(
    session: Session, user: User, *, current_password: str, now: datetime
) -> list[str]:
    """Replace the person's recovery codes after checking their password; old codes stop working."""
    if not user.totp_enabled:
        raise ValidationFailed(
            "Set up two-factor authentication first; recovery codes come with it"
        )
    require_current_password(user, current_password)
    codes = replace_recovery_codes(session, user)
    audit.record(session, "recovery_codes_replaced", actor=user, subject_user=user, at=now)
    session.flush()
    return codes


def use_recovery_code(session: Session, user: User, code: str, *, now: datetime) -> bool:
    """Spend one of the person's unused codes; return False if the code is not one of them."""
    if not code.strip():
        return False
    match = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if match is None:
        return False
    match.used_at = now
    session.flush()
    return True


def remaining_recovery_codes(session: Session, user: User) -> int:
    """Return how many unused codes the person has left."""
    return (
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )
