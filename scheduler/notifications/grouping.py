"""One notification per clearance unit: the post that names a unit, and the words for its posts.

Which posts make a unit is decided in one place, `scheduler.clearance.units.clearance_unit`; this
module only names a unit and says how many of its posts a notification is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scheduler.access.rules import under_embargo
from scheduler.models import Post

#: How a twin channel's language is named ("8 posts and their Welsh twins").
LANGUAGES = {"cy": "Welsh", "en": "English"}
#: The longest thread title copied into a notification (it goes into an e-mail's subject).
TITLE_LIMIT = 80


def unit_anchor(unit: Sequence[Post]) -> Post:
    """Return the post that names a unit whichever member is asked: its first, then oldest."""
    return min(unit, key=_order)


def _order(post: Post) -> tuple[int, int]:
    return (post.thread_position or 0, post.id)


def describe_posts(posts: Sequence[Post], *, now: datetime) -> str:
    """Return the subject of a notification about these posts of one unit.

    One post: "Post 12 on @ons". Several: "Thread 'Labour market, December' on @ons (8 posts and
    their Welsh twins)", or "Post 12 on @ons with its Welsh twin". Never a post's text, and a
    thread's title only once its release's embargo has passed (the title may name the figures).
    """
    ordered = sorted(posts, key=_order)
    lead = ordered[0]
    if len(ordered) == 1:
        return f"Post {lead.id} on @{lead.channel.handle}"
    side = [post for post in ordered if post.channel_id == lead.channel_id]
    others = [post for post in ordered if post.channel_id != lead.channel_id]
    twins_of_side = {post.twin_id for post in side}
    paired = bool(others) and all(post.id in twins_of_side for post in others)
    twins = _twin_name(others[0]) if others else ""
    if lead.thread is None:
        if paired and len(side) == 1:
            return f"Post {lead.id} on @{lead.channel.handle} with its {twins}"
        return f"{len(ordered)} posts on @{lead.channel.handle}"
    if not others:
        count = _posts(len(side))
    elif paired and len(others) == len(side):
        count = f"{_posts(len(side))} and their {twins}s"
    elif paired:
        count = f"{_posts(len(side))} and {len(others)} of their {twins}s"
    else:
        count = _posts(len(ordered))
    return f"{_thread_name(lead, now=now)} on @{lead.channel.handle} ({count})"


def _twin_name(twin: Post) -> str:
    """Return "Welsh twin", or "twin on @handle" for a language without a name here."""
    language = LANGUAGES.get(twin.channel.language)
    return f"{language} twin" if language else f"twin on @{twin.channel.handle}"


def _posts(count: int) -> str:
    return f"{count} post{'s' if count != 1 else ''}"


def _thread_name(lead: Post, *, now: datetime) -> str:
    """Return "Thread 'Its title'", or the release's title while the thread's is embargoed."""
    thread = lead.thread
    assert thread is not None
    release = thread.release
    title = " ".join(thread.title.split())
    if title and (release is None or not under_embargo(release.embargo_at, now=now)):
        return f"Thread '{_cut(title)}'"
    if release is not None:
        return f"Thread for '{_cut(' '.join(release.title.split()))}'"
    return "Thread"


def _cut(text: str) -> str:
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"
