"""@mentions in a comment: `@` and a person's e-mail address, or the part before its `@`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from scheduler.access.rules import may_read_text
from scheduler.comments.access import works_on_channel
from scheduler.core.errors import ValidationFailed
from scheduler.models import Post, User

# Not after a letter, digit or another @, so an address in the text ("press@ons.gov.uk") is not
# read as a mention; the name may itself be a whole address, for people whose local parts clash.
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def mentioned_names(text: str) -> list[str]:
    """Return the names mentioned in the text, lower-cased, each once, in order."""
    names = (match.group(1).rstrip(".").lower() for match in MENTION.finditer(text))
    return list(dict.fromkeys(name for name in names if name))


def _people_named(session: Session, names: Sequence[str]) -> dict[str, list[User]]:
    """Return, for each name, the people whose address or local part it is."""
    found: dict[str, list[User]] = {name: [] for name in names}
    locals_ = [name for name in names if "@" not in name]
    addresses = [name for name in names if "@" in name]
    conditions: list[ColumnElement[bool]] = []
    if addresses:
        conditions.append(func.lower(User.email).in_(addresses))
    if locals_:
        conditions.extend(
            func.lower(User.email).startswith(f"{name}@", autoescape=True) for name in locals_
        )
    if not conditions:
        return found
    for user in session.scalars(select(User).where(or_(*conditions)).order_by(User.id)):
        email = user.email.lower()
        local = email.partition("@")[0]
        for name in names:
            if name in (email, local):
                found[name].append(user)
    return found


def _why_not(session: Session, post: Post, user: User, *, now: datetime) -> str | None:
    if not user.active:
        return "their account is switched off"
    if not works_on_channel(session, post, user):
        return f"they have no access to @{post.channel.handle}"
    if not may_read_text(session, post, user, now=now):
        release = post.release
        title = release.title if release is not None else ""
        return f"they are not on the pre-release access list of {title!r}"
    return None


def resolve_mentions(session: Session, post: Post, text: str, *, now: datetime) -> list[User]:
    """Return the people the comment mentions, or refuse naming who cannot be mentioned and why.

    A name that is nobody's is ordinary text (a channel handle, say). A name shared by several
    people must be written as the whole address. Everyone mentioned must be able to read the
    post: access to its channel, and a place on its release's list while it is embargoed.
    """
    names = mentioned_names(text)
    if not names:
        return []
    people = _people_named(session, names)
    mentioned: list[User] = []
    problems: list[str] = []
    for name in names:
        matches = people[name]
        if not matches:
            continue
        if len(matches) > 1:
            addresses = " or ".join(f"@{user.email}" for user in matches)
            problems.append(f"@{name} could be more than one person: write {addresses}")
            continue
        user = matches[0]
        reason = _why_not(session, post, user, now=now)
        if reason is not None:
            problems.append(f"{user.display_name} (@{name}) cannot be mentioned: {reason}")
        elif user not in mentioned:
            mentioned.append(user)
    if problems:
        raise ValidationFailed("; ".join(problems), field="text")
    return mentioned
