"""Options shared by the clearance commands: acting as a person, local times, output files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import AmbiguousLocalTime, Fold, describe, read_local, to_utc
from scheduler.core.time_horizon import OutOfHorizon, require_local_within
from scheduler.identity.accounts import get_user_by_email
from scheduler.models import User, utcnow

F = TypeVar("F", bound=Callable[..., Any])

#: What the audit trail shows as the channel an action came through.
CLI_LABEL = "cli"


def as_option(required: bool = True) -> Callable[[F], F]:
    """Add --as E: the person the operator acts for (recorded in the audit trail)."""
    return click.option(
        "--as",
        "acting_as",
        required=required,
        metavar="EMAIL",
        help="Act as this person; the audit trail records them, through the command line.",
    )


def fold_option(function: F) -> F:
    """Add --fold: which of a repeated local time (clocks going back) is meant."""
    return click.option(
        "--fold",
        type=click.Choice([fold.value for fold in Fold]),
        default=None,
        help="For a local time that happens twice when the clocks go back: the earlier or later.",
    )(function)


def person(session: Session, email: str | None) -> User | None:
    """Return the user with the e-mail address (None for the operator), or refuse clearly."""
    return get_user_by_email(session, email) if email else None


def required_person(session: Session, email: str) -> User:
    """Return the user with the e-mail address, or refuse clearly."""
    return get_user_by_email(session, email)


def local_instant(settings: Settings, text: str, fold: str | None, *, option: str) -> datetime:
    """Parse a local time from the command line into UTC, saying which option was wrong.

    A time outside the accepted horizon (a year back to five years ahead) is refused with it.
    """
    try:
        typed = require_local_within(read_local(text), now=utcnow(), what=option)
        return to_utc(typed, settings.timezone, fold=Fold(fold) if fold else None)
    except OutOfHorizon:
        raise
    except AmbiguousLocalTime as error:
        raise ValidationFailed(
            f"{option}: {error.message}; add --fold earlier or --fold later"
        ) from None
    except ValidationFailed as error:
        raise ValidationFailed(f"{option}: {error.message}") from None


def shown(settings: Settings, instant: datetime | None) -> str:
    """Return an instant in local time for output, or a dash."""
    return describe(instant, settings.timezone) if instant else "-"
