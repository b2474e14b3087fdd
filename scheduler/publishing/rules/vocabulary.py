"""The worker's audit actions and target states, looked up once from the transition table.

Importing this module is the worker's start-up check: a step missing from the table raises
here, before any post is touched. The values are plain strings, so the hot path reads a
module constant and never an enum's `.value` (a descriptor call per use).
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.clearance.transitions import ALERTS, Action, system_target
from scheduler.models import PostState


@dataclass(frozen=True, slots=True)
class Step:
    """One of the worker's state changes: its audit action, from and to (plain strings)."""

    action: str
    source: str
    target: str
    target_state: PostState


def _step(source: PostState, action: Action) -> Step:
    target = system_target(source, action)
    return Step(action.value, source.value, target.value, target)


def _alert(action: Action) -> str:
    if action not in ALERTS:
        raise LookupError(f"{action.value} is not one of the transition table's alerts")
    return action.value


CLAIM = _step(PostState.SCHEDULED, Action.CLAIM)
PUBLISHED = _step(PostState.PUBLISHING, Action.MARK_PUBLISHED)
RETRY = _step(PostState.PUBLISHING, Action.MARK_RETRY)
HELD_IN_LANE = _step(PostState.PUBLISHING, Action.MARK_HELD)
HELD_AT_CLAIM = _step(PostState.SCHEDULED, Action.MARK_HELD)
FAILED = _step(PostState.PUBLISHING, Action.MARK_FAILED)
UNKNOWN = _step(PostState.PUBLISHING, Action.MARK_UNKNOWN)
MISSED = _step(PostState.SCHEDULED, Action.MARK_MISSED)
TWIN_LEFT_BEHIND = _alert(Action.ALERT_TWIN_LEFT_BEHIND)
HELD_AT_EMBARGO = _alert(Action.ALERT_HELD_AT_EMBARGO)
