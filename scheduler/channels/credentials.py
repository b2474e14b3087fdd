"""Channels' platform credentials, encrypted at rest with the configured keys (MultiFernet)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config import Settings
from scheduler.models import Channel


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with any configured key."""


class CredentialCipher:
    """Seal credentials with the newest key; open what any configured key sealed."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("no credential keys configured")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def __repr__(self) -> str:
        return "<CredentialCipher>"

    def seal(self, credentials: Mapping[str, str]) -> str:
        """Return the credentials encrypted with the newest key, as text to store."""
        plain = json.dumps(dict(credentials), sort_keys=True, separators=(",", ":"))
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> dict[str, str]:
        """Return the credentials sealed in the text, or raise CredentialsUnreadable."""
        try:
            plain = self._fernet.decrypt(sealed.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise CredentialsUnreadable(
                "the stored credentials cannot be decrypted with the configured keys (was the "
                "key they were encrypted with removed from credentials.keys?); put the key back, "
                "or connect the channel again"
            ) from None
        values = json.loads(plain)
        return {str(name): str(value) for name, value in values.items()}

    def reseal(self, sealed: str) -> str:
        """Return the same credentials encrypted with the newest key."""
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise CredentialsUnreadable(
                "the stored credentials cannot be decrypted with the configured keys"
            ) from None


@lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...]) -> CredentialCipher:
    return CredentialCipher(keys)


def cipher_for(settings: Settings) -> CredentialCipher:
    """Return the cipher of the configured keys (made once per set of keys)."""
    return _cipher(settings.credential_keys)


def reencrypt_channels(session: Session, settings: Settings) -> tuple[int, list[str]]:
    """Encrypt every channel's credentials again with the newest key.

    Return how many were re-encrypted and the handles of those no configured key opens (left as
    they are). Run it after putting a new key first in credentials.keys, then drop the old key.
    """
    cipher = cipher_for(settings)
    done = 0
    unreadable: list[str] = []
    rows = session.execute(
        select(Channel.id, Channel.handle, Channel.credentials_encrypted)
        .where(Channel.credentials_encrypted.is_not(None))
        .order_by(Channel.id)
    ).all()
    for channel_id, handle, sealed in rows:
        try:
            fresh = cipher.reseal(sealed or "")
        except CredentialsUnreadable:
            unreadable.append(handle)
            continue
        session.execute(
            update(Channel)
            .where(Channel.id == channel_id, Channel.credentials_encrypted == sealed)
            .values(credentials_encrypted=fresh)
            .execution_options(synchronize_session=False)
        )
        done += 1
    session.flush()
    return done, unreadable


def store_refreshed(session: Session, channel_id: int, sealed: str) -> None:
    """Store credentials an adapter refreshed (already sealed) for the channel."""
    session.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(credentials_encrypted=sealed)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def new_key() -> str:
    """Return a new random credential key."""
    return Fernet.generate_key().decode("ascii")
