"""The service navigation: Gatepost's sections, each shown once its page exists, to those who may
open it.

A section lights up as soon as a blueprint registers its endpoint, so pages added later need no
change here. Blueprints are named for their section and their landing page is `index`. Whom a
section is shown to is asked of the function its landing page's own authorisation calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from scheduler.access.rules import (
    may_clear_posts,
    may_open_releases,
    may_view_audit_trail,
    may_write_posts,
)
from scheduler.models import User
from web.current import signed_in_user
from web.extensions import db

logger = logging.getLogger(__name__)

#: Whether a person may open a section's landing page: the very question its view's own
#: authorisation asks, so that no link shown leads to a 403.
MayOpen = Callable[[Session, User], bool]


def _admin(_session: Session, user: User) -> bool:
    return user.is_admin  # web/admin/guard.py: require_admin


@dataclass(frozen=True)
class Section:
    """One entry in the navigation: its label, landing endpoint and who may open it."""

    label: str
    endpoint: str
    may_open: MayOpen | None = None  # None: everyone signed in

    @property
    def blueprint(self) -> str:
        """Return the blueprint the section's pages belong to."""
        return self.endpoint.partition(".")[0]


SECTIONS = (
    Section("Home", "main.home"),
    Section("Compose", "compose.index", may_write_posts),  # web/compose: require_composer
    Section("Import", "imports.thread", may_write_posts),  # web/imports: require_importer
    Section("Inbox", "inbox.index", may_clear_posts),  # web/inbox: require_clearer
    Section("Queue", "queue.index"),
    Section("Calendar", "calendar.index"),
    Section("Releases", "releases.index", may_open_releases),  # web/releases: index
    Section("Mock platform", "timeline.index"),
    Section("Audit trail", "audit.index", may_view_audit_trail),  # web/audit: index
    Section("Admin", "admin.index", _admin),
)


@dataclass(frozen=True)
class NavigationLink:
    """A section as shown to one person on one page."""

    label: str
    href: str
    #: "page" on the section's landing page, "true" elsewhere in the section, else None.
    aria_current: str | None


def _may_open(may_open: MayOpen, session: Session, user: User) -> bool:
    try:
        return may_open(session, user)
    except SQLAlchemyError:
        # An error page for a failed database, say: show it without the section, not fail it.
        logger.debug("Navigation could not ask the database; section left out", exc_info=True)
        return False


def navigation_links(
    view_functions: Collection[str],
    session: Session,
    user: User | None,
    endpoint: str | None,
    sections: tuple[Section, ...] = SECTIONS,
) -> list[NavigationLink]:
    """Return the sections whose pages exist and which the person may open, marking the current."""
    if user is None:
        return []
    links = []
    for section in sections:
        if section.endpoint not in view_functions:
            continue
        if section.may_open is not None and not _may_open(section.may_open, session, user):
            continue
        if endpoint == section.endpoint:
            aria_current: str | None = "page"
        elif (
            section.endpoint != "main.home"
            and endpoint
            and endpoint.startswith(section.blueprint + ".")
        ):
            aria_current = "true"
        else:
            aria_current = None
        links.append(NavigationLink(section.label, url_for(section.endpoint), aria_current))
    return links


def register_navigation(app: Flask) -> None:
    """Give every template `navigation_links`, the sections for the signed-in person."""

    def inject() -> dict[str, Any]:
        if not current_user.is_authenticated:
            return {"navigation_links": []}
        return {
            "navigation_links": navigation_links(
                current_app.view_functions,
                db.session,
                signed_in_user(),
                request.endpoint if request else None,
            )
        }

    app.context_processor(inject)
