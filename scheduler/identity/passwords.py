"""Password hashing with Argon2id (argon2-cffi), the OWASP-recommended algorithm."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from scheduler.core.errors import ValidationFailed

MINIMUM_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verifying against this keeps sign-in timing the same whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not a real password, only for equal timing")


def check_password_strength(password: str) -> None:
    """Refuse a password that is too short to be safe."""
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Password must be at least {MINIMUM_PASSWORD_LENGTH} characters long",
            field="password",
        )


def hash_password(password: str) -> str:
    """Return an Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether the password matches the hash (taking the same time when there is none)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
