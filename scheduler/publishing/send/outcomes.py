"""What happened when a lane tried to send a post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from scheduler.publishing.send.plan import Job


class OutcomeKind(StrEnum):
    """How one attempt ended, and so which state the post moves to."""

    PUBLISHED = "published"  # -> published
    RETRY = "retry"  # transient error -> scheduled, later, with backoff
    FAILED = "failed"  # permanent error or out of tries -> failed
    UNKNOWN = "unknown"  # may or may not be on the platform -> unknown, for a person
    HELD = "held"  # not attempted (its twin or thread predecessor did not go) -> scheduled
    DEFERRED = "deferred"  # not attempted yet: paced to the channel's rate limit -> scheduled
    REQUEUED = "requeued"  # recovered from a dead worker, not on the platform -> scheduled


@dataclass(slots=True)
class Outcome:
    """The result of one post's turn in a lane."""

    job: Job
    kind: OutcomeKind
    at: datetime
    external_id: str | None = None
    published_at: datetime | None = None
    error: str | None = None
    due_at: datetime | None = None
    reason: str | None = None
    twin_gap_ms: float | None = None
    #: something people must be told (a twin left behind)
    alert: str | None = None
    #: whether the platform was called (counts towards the tries)
    attempted: bool = False
    #: time.perf_counter() when the platform answered, for measuring twin gaps
    answered: float = 0.0
    #: the platform's own "try again after" (seconds), when it gave one
    retry_after: float | None = None
    #: the worker whose lease lapsed, when this outcome resolves its post (recovery)
    recovered_from: str | None = None
