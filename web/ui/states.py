"""How a post's state is shown: in words, and as a coloured GOV.UK tag."""

from __future__ import annotations

from scheduler.models import PostState

#: The GOV.UK tag colour of each state: blue waits on an approver, red and orange on anyone.
TAG_COLOURS: dict[PostState, str] = {
    PostState.DRAFT: "grey",
    PostState.IN_REVIEW: "blue",
    PostState.APPROVED: "turquoise",
    PostState.SCHEDULED: "green",
    PostState.PUBLISHING: "purple",
    PostState.PUBLISHED: "green",
    PostState.FAILED: "red",
    PostState.UNKNOWN: "orange",
    PostState.MISSED: "orange",
    PostState.WITHDRAWN: "grey",
    PostState.REMOVED: "grey",
}


def state_words(state: PostState | str) -> str:
    """Return a state as a sentence starts it, e.g. "In review"."""
    return PostState(state).words.capitalize()


def state_colour(state: PostState | str) -> str:
    """Return the GOV.UK tag colour for a state."""
    return TAG_COLOURS[PostState(state)]
