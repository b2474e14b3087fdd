"""Get a worker's publishing statements ready at start, before anything is due.

SQLAlchemy compiles a statement the first time it runs, and a worker that starts before a
burst has run only the claim's first look (nothing due yet). Compiling the rest when the burst
is due cost its first batch about 12 ms before the first post went out. The warm-up runs them
once against a post that cannot exist (id 0) and rolls back, so it changes nothing.
"""

from __future__ import annotations

from scheduler.models import PostState
from scheduler.publishing.claim.leases import prepare_claim, twin_neighbours
from scheduler.publishing.record.audit_rows import insert_claimed
from scheduler.publishing.rows import PostRow
from scheduler.publishing.rules.facts import load_facts
from scheduler.publishing.worker.runtime import WorkerRuntime

#: Ids start at 1 on both databases: no post, channel, release or thread has id 0.
_NONE = 0


def warm_up(runtime: WorkerRuntime) -> None:
    """Run the claim's statements once against no posts, then roll back."""
    now = runtime.clock.now()
    probe = PostRow(
        id=_NONE,
        channel_id=_NONE,
        author_id=_NONE,
        text="",
        content_version=1,
        send_at=now,
        due_at=now,
        release_id=_NONE,
        thread_id=_NONE,
        thread_position=1,
        twin_id=None,
        state=PostState.PUBLISHING,
        attempts=0,
        first_allowed_at=None,
        hold_reason=None,
        external_id=None,
        published_at=None,
        lease_owner=runtime.owner,
    )
    with runtime.database.session_factory() as session:
        prepare_claim(session, now=now, owner=runtime.owner)
        twin_neighbours(session, [probe])
        load_facts(session, [probe], [], now=now, channel_cache={})
        insert_claimed(session, [_NONE], actor_label=runtime.identity.actor_label, at=now)
        session.rollback()
