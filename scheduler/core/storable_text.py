"""The text rule every way in shares: no character a supported database cannot store.

PostgreSQL refuses the NUL character in text outright, and an unpaired UTF-16 surrogate cannot
be encoded as UTF-8 for any database, so text holding either is refused where it comes in (API
bodies, web forms, imported files) with a message naming the field, before anything is saved.
"""

from __future__ import annotations

NUL = "\x00"
_SURROGATES = ("\ud800", "\udfff")


def is_storable(text: str) -> bool:
    """Return whether every database Gatepost supports can store the text."""
    if NUL in text:
        return False
    low, high = _SURROGATES
    return not any(low <= character <= high for character in text)


def unstorable_message(label: str) -> str:
    """Return the refusal for a field holding text no database can store."""
    return (
        f"{label} contains a character that cannot be stored (a NUL character, \\u0000, or an "
        "unpaired surrogate, \\ud800-\\udfff): remove it"
    )
