"""One publishing pass: claim, send and record, batch after batch, until nothing is due.

The pass is a pipeline, turn after turn: take back what has not started if the worker is
stopping, keep the leases, claim a batch (its rules checked and its holds written in the claim's
transaction) and hand it to lanes, collect the outcomes that came back, and record them. While
lanes send one batch, the pass claims the next (up to `IN_FLIGHT_BATCHES` batches in flight) and
records whatever outcomes are ready, one transaction per group. Each claim looks at the clock
again, so a post that comes due while a long pass runs joins it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from scheduler.publishing.claim.intake import take_batch
from scheduler.publishing.record.complete import record_committed
from scheduler.publishing.send.lanes import LaneSet
from scheduler.publishing.send.outcomes import Outcome, OutcomeKind
from scheduler.publishing.send.plan import Unit
from scheduler.publishing.statements import still_in_flight
from scheduler.publishing.worker.heartbeat import keep_leases
from scheduler.publishing.worker.runtime import WorkerRuntime

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
        runtime.shared_clock.now,
        runners=runtime.settings.worker.max_concurrency,
        at_once=runtime.publisher.answers_at_once,
    )
    batch_size = runtime.settings.worker.batch_size
    state = _PassState(
        report=PassReport(started_at=runtime.clock.now()),
        cap=IN_FLIGHT_BATCHES * batch_size,
        claim_size=min(FIRST_BATCH, batch_size),
    )
    try:
        return _pipeline(runtime, lanes, stop, state)
    finally:
        lanes.close()
        # Whatever is still unrecorded is no longer this pass's: its lease lapses, and the
        # lease reaper resolves it by asking the platform.
        runtime.in_flight.discard(state.in_flight)


@dataclass
class _PassState:
    """What a pass carries from one turn of its pipeline to the next."""

    report: PassReport
    #: the most posts claimed and not yet recorded (enough to keep lanes busy while recording)
    cap: int
    #: how many posts the next claim may take (the first claim of a pass is small)
    claim_size: int
    #: the posts this pass claimed and has not recorded yet
    in_flight: set[int] = field(default_factory=set)
    #: outcomes that came back and wait to be recorded
    unrecorded: list[Outcome] = field(default_factory=list)
    #: why claiming failed; the pass records what is in flight first, then raises it
    failure: Exception | None = None
    #: when the pass last renewed its leases (`time.monotonic`)
    leases_renewed_at: float = field(default_factory=time.monotonic)

    @property
    def room(self) -> int:
        """Return how many more posts may be claimed before the pass waits for recording."""
        return self.cap - len(self.in_flight)

    @property
    def sending(self) -> bool:
        """Return whether lanes still hold posts of this pass whose outcomes have not come."""
        return len(self.in_flight) > len(self.unrecorded)


def _pipeline(
    runtime: WorkerRuntime, lanes: LaneSet, stop: threading.Event | None, state: _PassState
) -> PassReport:
    """Claim, send and record, turn after turn, until nothing is claimed, in flight or released."""
    batch_size = runtime.settings.worker.batch_size
    while True:
        stopping = stop is not None and stop.is_set()
        if stopping:
            _take_back_unsent(runtime, lanes, state)
        _keep_leases(runtime, state)
        claimed = 0 if stopping else _claim_and_send(runtime, lanes, state)
        claiming_on = claimed > 0 and state.room > 0
        _collect(lanes, state, claiming_on)
        recorded = _record_if_due(runtime, state, claiming_on, batch_size)
        # Recording can release posts (the next in a thread): look once more before stopping.
        if not (claimed or state.in_flight or recorded):
            break
    state.report.finished_at = runtime.clock.now()
    if state.failure is not None:
        raise state.failure
    return state.report


def _take_back_unsent(runtime: WorkerRuntime, lanes: LaneSet, state: _PassState) -> None:
    """Stopping: what has not started goes back to the queue for the next worker."""
    # Nothing is claimed once stopping, so after the first turn there is nothing left to take.
    state.unrecorded.extend(
        outcome for unit in lanes.withdraw() for outcome in _requeue(unit, runtime.clock.now())
    )


def _keep_leases(runtime: WorkerRuntime, state: _PassState) -> None:
    """Renew the leases of a long pass's posts without waiting for the heartbeat."""
    renew_every = runtime.settings.worker.lease.total_seconds() / 3
    if state.in_flight and time.monotonic() - state.leases_renewed_at > renew_every:
        keep_leases(runtime)
        state.leases_renewed_at = time.monotonic()


def _claim_and_send(runtime: WorkerRuntime, lanes: LaneSet, state: _PassState) -> int:
    """Claim a batch (its rules checked, its holds written) and hand it to lanes; return its size.

    After a failed claim nothing more is claimed: the pass finishes what is in flight, so nothing
    waits for its lease, and then raises (the caller logs it, once if the database is away).
    """
    if state.failure is not None or state.room <= 0:
        return 0
    try:
        intake = take_batch(
            runtime, limit=min(state.claim_size, state.room), in_pass=state.in_flight
        )
    except Exception as error:
        state.failure = error
        return 0
    state.claim_size = runtime.settings.worker.batch_size
    report = state.report
    report.claimed += intake.claimed
    report.held += intake.held
    report.missed += intake.missed
    for unit in intake.units:
        state.in_flight.update(job.post.id for job in unit.jobs)
    lanes.submit(intake.units)
    return intake.claimed


def _collect(lanes: LaneSet, state: _PassState, claiming_on: bool) -> None:
    """Take the outcomes lanes have ready; wait a moment for one when there is nothing else."""
    idle = state.sending and not claiming_on and not state.unrecorded
    state.unrecorded.extend(lanes.collect(wait=LANE_WAIT_SECONDS if idle else None))


def _record_if_due(
    runtime: WorkerRuntime, state: _PassState, claiming_on: bool, batch_size: int
) -> bool:
    """Record the outcomes that came back, if it is time; return whether it recorded any.

    While claiming goes on they are recorded in large groups (each costs one sync of the
    platforms and one transaction), and at once when there is nothing else to do.
    """
    outcomes = state.unrecorded
    if not outcomes or (claiming_on and len(outcomes) < RECORD_BATCHES * batch_size):
        return False
    state.report.outcomes += _record(runtime, outcomes)
    recorded_ids = [outcome.job.post.id for outcome in outcomes]
    state.in_flight.difference_update(recorded_ids)
    runtime.in_flight.discard(recorded_ids)
    state.unrecorded = []
    return True


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
        waiting = set(session.scalars(still_in_flight(session, ids, runtime.owner)))
    return [outcome for outcome in outcomes if outcome.job.post.id in waiting]
