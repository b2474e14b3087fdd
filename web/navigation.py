"""The service navigation: Gatepost's sections, each shown once its page exists.

A section lights up as soon as a blueprint registers its endpoint, so pages added later need no
change here. Blueprints are named for their section and their landing page is `index`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from scheduler.models import Role


@dataclass(frozen=True)
class Section:
    """One entry in the navigation: its label, landing endpoint and who may see it."""

    label: str
    endpoint: str
    roles: frozenset[Role] | None = None  # None: everyone signed in

    @property
    def blueprint(self) -> str:
        """Return the blueprint the section's pages belong to."""
        return self.endpoint.partition(".")[0]


SECTIONS = (
    Section("Home", "main.home"),
    Section("Compose", "compose.index"),
    Section("Inbox", "inbox.index"),
    Section("Queue", "queue.index"),
    Section("Calendar", "calendar.index"),
    Section("Mock platform", "timeline.index"),
    Section("Admin", "admin.index", roles=frozenset({Role.ADMIN})),
)


@dataclass(frozen=True)
class NavigationLink:
    """A section as shown to one person on one page."""

    label: str
    href: str
    #: "page" on the section's landing page, "true" elsewhere in the section, else None.
    aria_current: str | None


def navigation_links(
    view_functions: Collection[str],
    role: Role | None,
    endpoint: str | None,
    sections: tuple[Section, ...] = SECTIONS,
) -> list[NavigationLink]:
    """Return the sections whose pages exist and which the role may see, marking the current one."""
    if role is None:
        return []
    links = []
    for section in sections:
        if section.endpoint not in view_functions:
            continue
        if section.roles is not None and role not in section.roles:
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
        role = current_user.role if current_user.is_authenticated else None
        return {
            "navigation_links": navigation_links(
                current_app.view_functions, role, request.endpoint if request else None
            )
        }

    app.context_processor(inject)
