"""One publishing pass: claim, send and record, batch after batch, until nothing is due.

The pass is a pipeline. While lanes send one batch, the pass claims the next (up to twice the
batch size in flight) and records whatever outcomes are ready, one transaction per group. Each
claim looks at the clock again, so a post that comes due while a long pass runs joins it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from scheduler.publishing.complete import record_committed
from scheduler.publishing.heartbeat import keep_leases
from scheduler.publishing.intake import take_batch
from scheduler.publishing.lanes import LaneSet
from scheduler.publishing.outcomes import Outcome, OutcomeKind
from scheduler.publishing.plan import Unit
from scheduler.publishing.rows import PUBLISHING, ids_in, posts
from scheduler.publishing.runtime import WorkerRuntime

log = logging.getLogger(__name__)

#: The first claim of a pass is small, so the first post goes out within milliseconds.
FIRST_BATCH = 50
#: How long the pass waits for lanes before looking for newly due posts again.
LANE_WAIT_SECONDS = 0.2
#: Posts claimed and not yet recorded, in batches: enough to keep lanes busy while recording.
IN_FLIGHT_BATCHES = 4
#: While claiming goes on, outcomes are recorded this many batches at a time.
RECORD_BATCHES = 2
#: How long to wait before each new try at recording outcomes while the database is away.
RECORD_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass
class PassReport:
    """What one pass did."""

    started_at: datetime
    finished_at: datetime | None = None
    claimed: int = 0
    held: int = 0
    missed: int = 0
    outcomes: Counter[OutcomeKind] = field(default_factory=Counter)

    @property
    def published(self) -> int:
        """Return how many posts went out."""
        return self.outcomes[OutcomeKind.PUBLISHED]

    @property
    def held_total(self) -> int:
        """Return how many posts were held back (rules, twins, threads, pacing, retries)."""
        return (
            self.held
            + self.outcomes[OutcomeKind.HELD]
            + self.outcomes[OutcomeKind.DEFERRED]
            + self.outcomes[OutcomeKind.RETRY]
        )

    def summary(self) -> str:
        """Return one line for logs and the command line."""
        parts = [
            f"published {self.published}",
            f"held {self.held + self.outcomes[OutcomeKind.HELD]}",
            f"missed {self.missed}",
            f"retrying {self.outcomes[OutcomeKind.RETRY]}",
            f"paced {self.outcomes[OutcomeKind.DEFERRED]}",
            f"failed {self.outcomes[OutcomeKind.FAILED]}",
            f"unknown {self.outcomes[OutcomeKind.UNKNOWN]}",
        ]
        return ", ".join(parts)


def run_pass(runtime: WorkerRuntime, *, stop: threading.Event | None = None) -> PassReport:
    """Publish everything due, in as many batches as it takes; return what happened."""
    runtime.channel_cache.clear()
    seen: dict[int, Outcome] = {}
    lanes = LaneSet(
        runtime.pool,
        lambda unit: runtime.publisher.run_unit(unit, seen),
        runtime.clock.now,
        runners=runtime.settings.worker.max_concurrency,
        at_once=runtime.publisher.answers_at_once,
    )
    in_flight: set[int] = set()
    try:
        return _pipeline(runtime, lanes, stop, in_flight)
    finally:
        lanes.close()
        # Whatever is still unrecorded is no longer this pass's: its lease lapses, and the
        # lease reaper resolves it by asking the platform.
        runtime.in_flight.discard(in_flight)


def _pipeline(
    runtime: WorkerRuntime, lanes: LaneSet, stop: threading.Event | None, in_flight: set[int]
) -> PassReport:
    report = PassReport(started_at=runtime.clock.now())
    pending: list[Outcome] = []
    batch_size = runtime.settings.worker.batch_size
    cap = IN_FLIGHT_BATCHES * batch_size
    limit = min(FIRST_BATCH, batch_size)
    failure: BaseException | None = None
    withdrawn = False
    renewed = time.monotonic()
    while True:
        claimed = 0
        if stop is not None and stop.is_set() and not withdrawn:
            # Stopping: what has not started goes back to the queue for the next worker.
            withdrawn = True
            for unit in lanes.withdraw():
                pending.extend(_requeue(unit, runtime.clock.now()))
        if (
            in_flight
            and time.monotonic() - renewed > runtime.settings.worker.lease.total_seconds() / 3
        ):
            # Long passes keep their leases without waiting for the heartbeat.
            keep_leases(runtime)
            renewed = time.monotonic()
        if failure is None and not (stop is not None and stop.is_set()) and len(in_flight) < cap:
            try:
                intake = take_batch(
                    runtime, limit=min(limit, cap - len(in_flight)), in_pass=in_flight
                )
            except Exception as error:
                # Finish what is in flight before giving up, so nothing waits for its lease;
                # the caller logs the failure (once, if it is the database being away).
                failure = error
            else:
                limit = batch_size
                claimed = intake.claimed
                report.claimed += intake.claimed
                report.held += intake.held
                report.missed += intake.missed
                for unit in intake.units:
                    in_flight.update(job.post.id for job in unit.jobs)
                lanes.submit(intake.units)
        busy = claimed > 0 and len(in_flight) < cap
        sending = len(in_flight) > len(pending)
        wait = LANE_WAIT_SECONDS if sending and not busy and not pending else None
        pending.extend(lanes.collect(wait=wait))
        # Record in large groups while claiming goes on (each group costs one fsync of the
        # ledger and one transaction), and at once when there is nothing else to do.
        recorded = False
        if pending and (len(pending) >= RECORD_BATCHES * batch_size or not busy):
            report.outcomes += _record(runtime, pending)
            recorded_ids = [outcome.job.post.id for outcome in pending]
            in_flight.difference_update(recorded_ids)
            runtime.in_flight.discard(recorded_ids)
            pending = []
            recorded = True
        # Recording can release posts (the next in a thread): look once more before stopping.
        if claimed == 0 and not in_flight and not recorded:
            break
    report.finished_at = runtime.clock.now()
    if failure is not None:
        raise failure
    return report


def _requeue(unit: Unit, now: datetime) -> list[Outcome]:
    return [
        Outcome(
            job,
            OutcomeKind.REQUEUED,
            now,
            reason="The worker stopped before sending it; the next worker sends it",
        )
        for job in unit.jobs
    ]


def _record(runtime: WorkerRuntime, outcomes: list[Outcome]) -> Counter[OutcomeKind]:
    # The platforms must hold what they accepted before it is recorded as published.
    runtime.platforms.sync()
    # What was sent must be recorded: if the database goes away, wait for it rather than leave
    # the posts `publishing` under this worker's lease, which it renews while it lives.
    retrying = False
    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            if retrying:
                # The commit may have landed before the connection died: record only what is
                # still in flight, so no outcome is audited twice.
                outcomes = _still_in_flight(runtime, outcomes)
            recorded = record_committed(runtime, outcomes)
        except DBAPIError as error:
            if not runtime.outage.failed(f"recording {len(outcomes)} outcomes", error):
                raise
            if delay is None:
                log.error(
                    "gave up recording %d outcomes after %.0f s; their leases lapse and the "
                    "lease reaper asks the platform what became of them",
                    len(outcomes),
                    sum(RECORD_RETRY_DELAYS),
                )
                raise
            time.sleep(delay)
            retrying = True
        else:
            if retrying:
                runtime.outage.succeeded()
            return recorded
    raise AssertionError("unreachable: the last try returns or raises")


def _still_in_flight(runtime: WorkerRuntime, outcomes: list[Outcome]) -> list[Outcome]:
    ids = [outcome.job.post.id for outcome in outcomes]
    with runtime.database.session_factory() as session:
        waiting = set(
            session.scalars(
                select(posts.c.id).where(
                    ids_in(session, posts.c.id, ids),
                    posts.c.state == PUBLISHING,
                    posts.c.lease_owner == runtime.owner,
                )
            )
        )
    return [outcome for outcome in outcomes if outcome.job.post.id in waiting]
