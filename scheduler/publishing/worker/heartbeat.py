"""Worker heartbeats: a row per worker saying it is alive and when it last finished a pass."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scheduler.models import WorkerHeartbeat
from scheduler.publishing.statements import extend_leases
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.runtime import WorkerRuntime

heartbeats = cast(Table, WorkerHeartbeat.__table__)


def beat(
    session: Session,
    identity: WorkerIdentity,
    *,
    now: datetime,
    started: bool = False,
    last_pass: tuple[datetime, int, int] | None = None,
    stopped: bool = False,
) -> None:
    """Record that the worker is alive (or started, finished a pass, stopped) at `now`.

    `last_pass` is (finished at, posts published, posts held) of the pass just finished.
    """
    values: dict[str, Any] = {
        "hostname": identity.hostname,
        "pid": identity.pid,
        "last_seen_at": now,
    }
    if started:
        values.update(started_at=now, stopped_at=None)
    if last_pass is not None:
        finished, published, held = last_pass
        values.update(last_pass_at=finished, last_pass_published=published, last_pass_held=held)
    if stopped:
        values["stopped_at"] = now
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(heartbeats).values(
        {"worker_id": identity.worker_id, "started_at": now} | values
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=[heartbeats.c.worker_id], set_=values)
    )


def renew_leases(
    session: Session, owner: str, ids: Sequence[int], *, now: datetime, lease: timedelta
) -> int:
    """Extend the leases of the given posts this worker is publishing; return how many."""
    # Only the posts a pass or the reaper of this process holds: a post this worker claimed and
    # lost track of must see its lease lapse, so that the reaper resolves it.
    if not ids:
        return 0
    result = session.execute(extend_leases(session, owner, ids, until=now + lease))
    return int(getattr(result, "rowcount", 0) or 0)


def keep_leases(runtime: WorkerRuntime) -> int:
    """Renew, in a transaction of its own, the leases of the posts this process is sending."""
    with runtime.database.session_factory() as session:
        renewed = renew_leases(
            session,
            runtime.owner,
            runtime.in_flight.ids(),
            now=runtime.clock.now(),
            lease=runtime.settings.worker.lease,
        )
        session.commit()
    return renewed
