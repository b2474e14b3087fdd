"""Make exported values safe to open in a spreadsheet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# A cell starting with one of these is run as a formula by Excel and LibreOffice (OWASP's
# "CSV injection"); a leading apostrophe makes them show it as text instead.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """Return the value as CSV cell text that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text
