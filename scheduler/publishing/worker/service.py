"""The worker service: APScheduler 3 runs the worker's own few jobs, never one job per post.

APScheduler cannot share a job store between processes and drops a burst's jobs once they are a
second late, so posts live in the posts table and the jobs here only say when to look: the
publishing pass (on a short interval), the lease reaper, the heartbeat, notifications, the
channels' connection checks, release reminders and housekeeping, declared once in `jobs()` with
stable ids, in a MemoryJobStore, `coalesce=True`, `misfire_grace_time=None`. After each pass a
one-off "wake-up" job is set for the exact instant the next post is due.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from config import Settings
from scheduler.core.clock import Clock
from scheduler.core.database import Database
from scheduler.core.idempotency import purge_expired
from scheduler.notifications.delivery import deliver_notifications
from scheduler.publishing.record.crash_recovery import recover_expired
from scheduler.publishing.status import next_due
from scheduler.publishing.worker.connection_checks import CHECK_EVERY, check_due_connections
from scheduler.publishing.worker.heartbeat import beat, keep_leases
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.run_pass import PassReport, run_pass
from scheduler.publishing.worker.runtime import WorkerRuntime
from scheduler.publishing.worker.warm_up import warm_up
from scheduler.releases.reminders import REMIND_EVERY, send_due_reminders

log = logging.getLogger(__name__)
#: How often the worker turns new audit events into notifications and e-mails them.
NOTIFY_EVERY = timedelta(seconds=30)
#: How often the worker forgets what has outlived its purpose (expired idempotency keys).
HOUSEKEEPING_EVERY = timedelta(hours=1)

WAKE_UP_JOB = "wake-up"
#: When a post is due but could not be claimed (another worker has it), look again this soon.
BUSY_RETRY = timedelta(milliseconds=50)


@dataclass(frozen=True)
class JobSpec:
    """One of the worker's periodic jobs."""

    id: str
    func: Callable[[], None]
    every: timedelta


class WorkerService:
    """A publishing worker running in the background of this process until stopped."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Clock | None = None,
        identity: WorkerIdentity | None = None,
    ) -> None:
        self.runtime = WorkerRuntime(database, settings, clock=clock, identity=identity)
        self.settings = settings
        self._stopping = threading.Event()
        self._pass_lock = threading.Lock()
        self._again = threading.Event()
        self._scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": JobExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=UTC,
        )
        self.last_pass: PassReport | None = None

    @property
    def identity(self) -> WorkerIdentity:
        """Return who this worker is."""
        return self.runtime.identity

    def jobs(self) -> list[JobSpec]:
        """Return the worker's periodic jobs (the one place they are declared)."""
        worker = self.settings.worker
        return [
            JobSpec("publish-pass", self.run_passes, worker.poll_interval),
            JobSpec(
                "lease-reaper",
                self.reap_leases,
                max(min(worker.lease / 2, timedelta(seconds=30)), timedelta(milliseconds=500)),
            ),
            JobSpec("heartbeat", self.heartbeat, worker.heartbeat_interval),
            JobSpec("notifications", self.notify, NOTIFY_EVERY),
            JobSpec("connection-checks", self.check_connections, CHECK_EVERY),
            # Release readiness reminders and warnings (scheduler/releases/reminders.py).
            JobSpec("release-reminders", self.send_reminders, REMIND_EVERY),
            JobSpec("housekeeping", self.housekeep, HOUSEKEEPING_EVERY),
        ]

    def start(self) -> None:
        """Record the start, then run every job now and on its interval."""
        # Load the adapters and compile the statements now, not when the first post is due.
        self.runtime.platforms.check_settings()
        try:
            warm_up(self.runtime)
        except Exception:
            # Only speed is lost: the first pass compiles what it needs as it goes.
            log.exception("warming up the publishing statements failed")
        self._record(started=True)
        now = datetime.now(UTC)
        for spec in self.jobs():
            self._scheduler.add_job(
                spec.func,
                IntervalTrigger(seconds=spec.every.total_seconds(), timezone=UTC),
                id=spec.id,
                name=spec.id,
                replace_existing=True,
                next_run_time=now,
                # A second instance only asks the running pass to look again (see run_passes).
                max_instances=2 if spec.id == "publish-pass" else 1,
            )
        self._scheduler.start()
        log.info("worker %s started", self.identity.worker_id)

    def stop(self) -> None:
        """Stop claiming, let the posts in flight finish, and record the stop."""
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self.runtime.close()
        self._record(stopped=True)
        log.info("worker %s stopped", self.identity.worker_id)

    def wake_at(self, instant: datetime) -> None:
        """Run a pass at exactly this instant (or now, if it has passed)."""
        if self._stopping.is_set() or not self._scheduler.running:
            return
        self._scheduler.add_job(
            self.run_passes,
            DateTrigger(run_date=instant, timezone=UTC),
            id=WAKE_UP_JOB,
            name=WAKE_UP_JOB,
            replace_existing=True,
            max_instances=2,
        )

    def run_passes(self) -> None:
        """Run passes until nothing more is due; if one is running, ask it to look again."""
        if not self._pass_lock.acquire(blocking=False):
            self._again.set()
            return
        wrote = False
        try:
            while not self._stopping.is_set():
                self._again.clear()
                report = run_pass(self.runtime, stop=self._stopping)
                wrote = wrote or report.claimed > 0
                self.last_pass = report
                self._record(last_pass=report)
                self._schedule_next()
                self.runtime.outage.succeeded()
                if not self._again.is_set():
                    break
        except Exception as error:
            self._failed("running a publishing pass", error, "publishing pass failed")
        finally:
            self._pass_lock.release()
        if wrote:
            self._checkpoint()

    def _failed(self, doing: str, error: Exception, message: str) -> None:
        # The database being away is said once for every job; anything else, each time.
        if not self.runtime.outage.failed(doing, error):
            log.error("%s; trying again at the next interval", message, exc_info=error)

    def _checkpoint(self) -> None:
        # The burst is out: now is the time to fold the database's log (see SQLite's settings).
        try:
            self.runtime.database.checkpoint()
        except Exception as error:
            self._failed(
                "checkpointing", error, "checkpointing the database failed (SQLite does it later)"
            )

    def _schedule_next(self) -> None:
        with self.runtime.database.read_session_factory() as session:
            due = next_due(session)
        if due is None:
            return
        now = self.runtime.clock.now()
        if due <= now:
            # Due but not claimable just now (held by another worker's claim): look again soon.
            due = now + BUSY_RETRY
        self.wake_at(due)

    def reap_leases(self) -> None:
        """Resolve the posts of workers that died mid-publish."""
        try:
            recovered = recover_expired(self.runtime)
        except Exception as error:
            self._failed("recovering expired leases", error, "recovering expired leases failed")
            return
        if recovered:
            log.warning("recovered posts from stopped workers: %s", dict(recovered))
            self.wake_at(self.runtime.clock.now())

    def heartbeat(self) -> None:
        """Say this worker is alive, and keep its leases on the posts it is sending."""
        try:
            keep_leases(self.runtime)
            self._record()
        except Exception as error:
            self._failed("recording the heartbeat", error, "heartbeat failed")
            return
        # Only work that always writes says the database is back: a read-only database still
        # answers the reaper's and the notifier's reads.
        self.runtime.outage.succeeded()

    def notify(self) -> None:
        """Make notifications from new audit events and e-mail them (after their commit)."""
        try:
            deliver_notifications(self.runtime.database, self.settings)
        except Exception as error:
            self._failed("delivering notifications", error, "notification delivery failed")

    def check_connections(self) -> None:
        """Check the channels whose daily or before-embargo connection check is due."""
        try:
            check_due_connections(self.runtime)
        except Exception as error:
            self._failed("checking channels' connections", error, "connection checks failed")

    def send_reminders(self) -> None:
        """Send the release reminders due now (each once, whichever worker gets there first)."""
        try:
            send_due_reminders(
                self.runtime.database,
                self.settings,
                now=self.runtime.clock.now(),
                by=self.identity.actor_label,
            )
        except Exception as error:
            self._failed("sending release reminders", error, "release reminders failed")

    def housekeep(self) -> None:
        """Delete API idempotency keys past their lifetime (their owners make new ones anyway)."""
        try:
            with self.runtime.database.session_factory() as session:
                forgotten = purge_expired(session, now=self.runtime.clock.now())
                session.commit()
        except Exception as error:
            self._failed("housekeeping", error, "deleting expired idempotency keys failed")
            return
        if forgotten:
            log.info("deleted %d expired idempotency keys", forgotten)

    def _record(self, **changes: Any) -> None:
        last_pass = changes.pop("last_pass", None)
        if last_pass is not None:
            changes["last_pass"] = (
                self.runtime.wall_clock.now(),
                last_pass.published,
                last_pass.held_total,
            )
        with self.runtime.database.session_factory() as session:
            beat(session, self.identity, now=self.runtime.wall_clock.now(), **changes)
            session.commit()


def run_once(
    database: Database,
    settings: Settings,
    *,
    clock: Clock | None = None,
    identity: WorkerIdentity | None = None,
) -> tuple[PassReport, int]:
    """Resolve expired leases, run one pass, and return it with the number of posts recovered."""
    with WorkerRuntime(database, settings, clock=clock, identity=identity) as runtime:
        wall = runtime.wall_clock
        runtime.platforms.check_settings()
        with database.session_factory() as session:
            beat(session, runtime.identity, now=wall.now(), started=True)
            session.commit()
        recovered = recover_expired(runtime)
        report = run_pass(runtime)
        with database.session_factory() as session:
            beat(
                session,
                runtime.identity,
                now=wall.now(),
                last_pass=(wall.now(), report.published, report.held_total),
                stopped=True,
            )
            session.commit()
    return report, sum(recovered.values())
