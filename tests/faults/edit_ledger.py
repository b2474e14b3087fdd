"""What each successful write to a post said, and the check that none was silently lost."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Statuses a write to a post may answer under load: done, or refused as stale / wrong state.
WRITE_STATUSES = frozenset({200, 201, 409})


@dataclass(frozen=True)
class Write:
    """One successful write: the version it was based on and what the post became."""

    action: str
    by: str
    based_on: int | None  # None for the creation
    version: int
    text: str


@dataclass
class EditLedger:
    """Every successful write to every post, as the people who made them saw the answers."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: dict[int, list[Write]] = field(default_factory=lambda: defaultdict(list))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def record(
        self, action: str, by: str, based_on: int | None, status: int, answer: dict[str, Any]
    ) -> None:
        """Remember a write's answer: a success as a Write, a 409 as a refusal counted."""
        with self.lock:
            if status in (200, 201):
                self.writes[int(answer["id"])].append(
                    Write(action, by, based_on, int(answer["version"]), str(answer["text"]))
                )
            elif status == 409:
                self.refused[action] += 1

    def successes(self, action: str) -> int:
        """Return how many writes of this kind succeeded."""
        return sum(w.action == action for writes in self.writes.values() for w in writes)

    def contested(self) -> int:
        """Return how many posts were successfully edited by more than one person."""
        return sum(
            len({w.by for w in writes if w.action == "edit"}) > 1 for writes in self.writes.values()
        )

    def lost_updates(self, read: Callable[[int], dict[str, Any] | None]) -> list[str]:
        """Return each post whose stored version or text is not its last successful write's.

        Writes are ordered by the version they produced; each must be based on the version
        the one before it produced (anything else is a write that overwrote one it never saw),
        and the stored post must hold the last one's version and text.
        """
        lost = []
        for post_id, writes in sorted(self.writes.items()):
            ordered = sorted(writes, key=lambda w: w.version)
            for before, after in itertools.pairwise(ordered):
                if after.based_on != before.version:
                    lost.append(f"post {post_id}: {after} was not based on {before}")
            stored = read(post_id)
            last = ordered[-1]
            if stored is None:
                lost.append(f"post {post_id}: cannot be read back")
            elif (stored["version"], stored["text"]) != (last.version, last.text):
                lost.append(
                    f"post {post_id}: stored v{stored['version']} {stored['text']!r}, "
                    f"last successful write v{last.version} {last.text!r}"
                )
        return lost
