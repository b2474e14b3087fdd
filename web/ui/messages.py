"""Messages for the next page: a refusal at once, news of a change once the change is saved."""

from __future__ import annotations

from flask import flash

from scheduler.core.errors import DomainError
from web.extensions import db


def flash_domain_error(error: DomainError) -> None:
    """Show a refusal from the domain on the next page, saving nothing (as add_domain_error)."""
    if not error.keeps_changes:
        db.refuse()
    flash(error.message, "error")


def flash_saved(message: str, category: str = "success") -> None:
    """Show the message on the next page once the request's changes are saved, and only then."""
    db.after_commit(lambda: flash(message, category))
