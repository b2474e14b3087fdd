"""`gatepost worker`: the publishing worker, one pass, a dry run, or its status."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from types import FrameType
from zoneinfo import ZoneInfo

import click

from scheduler.core.clock import FixedClock, SystemClock
from scheduler.core.garbage_collection import settle_long_running_process
from scheduler.core.local_time import describe
from scheduler.core.time_horizon import shiftable
from scheduler.publishing.dry_run import Preview, PreviewItem, preview
from scheduler.publishing.send.platform_set import PlatformSet
from scheduler.publishing.status import queue_counts, worker_statuses
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.service import WorkerService, run_once
from web.cli.context import CliContext, echo_table, fail, reports_errors
from web.cli.logging_setup import configure_logging

#: How often the waiting main thread wakes to run the handlers of signals that arrived.
STOP_CHECK_SECONDS = 0.5


def parse_instant(text: str) -> datetime:
    """Return the --now instant, which must carry an offset (it names one moment everywhere)."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"--now: {text!r} is not an ISO 8601 instant; write it like 2026-03-12T09:30:00+00:00")
    if instant.tzinfo is None:
        fail(
            f"--now: {text!r} has no offset; add one so it names one instant, e.g. "
            f"{text.strip()}+00:00 (GMT) or {text.strip()}+01:00 (BST)"
        )
    # A rehearsal may act at any instant, earlier or later than the horizon people schedule in
    # (tests rehearse fixed dates), but not one whose days the window cannot step through.
    if not shiftable(instant):
        fail(f"--now: {text.strip()!r} is outside the years Gatepost can rehearse (2 to 9998)")
    return instant.astimezone(UTC)


@click.group("worker", invoke_without_command=True)
@click.option("--once", is_flag=True, help="Run one pass (everything due now), then exit.")
@click.option(
    "--now",
    "now_text",
    metavar="ISO-8601",
    help="Act as if it were this instant, with its offset (needs --once or --dry-run).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would publish and what is held and why; change nothing.",
)
@click.option(
    "--worker-id",
    metavar="ID",
    help="This worker's name in leases and heartbeats (default HOST:PID); must be unique.",
)
@click.pass_context
@reports_errors
def worker(
    ctx: click.Context, once: bool, now_text: str | None, dry_run: bool, worker_id: str | None
) -> None:
    """Publish due posts: run until stopped, or one pass with --once, or a --dry-run."""
    if ctx.invoked_subcommand is not None:
        if once or now_text or dry_run or worker_id:
            fail(f"put no options before '{ctx.invoked_subcommand}'")
        return
    cli: CliContext = ctx.ensure_object(CliContext)
    if now_text and not (once or dry_run):
        fail("--now needs --once or --dry-run: a running worker always uses the real clock")
    now = parse_instant(now_text) if now_text else SystemClock().now()
    settings = cli.settings
    if dry_run:
        show_preview(preview(cli.database, settings, now=now), settings.timezone)
        return
    PlatformSet(settings, SystemClock()).check_settings()
    configure_logging()
    identity = WorkerIdentity.current(worker_id)
    if once:
        clock = FixedClock(now) if now_text else SystemClock()
        report, recovered = run_once(cli.database, settings, clock=clock, identity=identity)
        if recovered:
            click.echo(f"Resolved {recovered} post(s) left by stopped workers")
        click.echo(f"Pass at {describe(now, settings.timezone)}: {report.summary()}")
        return
    run_until_stopped(WorkerService(cli.database, settings, identity=identity))


def run_until_stopped(service: WorkerService) -> None:
    """Run the service until SIGTERM or Ctrl+C, then stop it cleanly."""
    stop = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    settle_long_running_process()
    try:
        service.start()
        click.echo(f"Worker {service.identity.worker_id} is running; it stops on Ctrl+C or SIGTERM")
        # Wake now and then: a signal the kernel hands to one of the worker's other threads
        # leaves its handler for the main thread to run, which a wait without a timeout never
        # gives it the chance to do; SIGTERM would go unheard.
        while not stop.wait(timeout=STOP_CHECK_SECONDS):
            pass
        click.echo("Stopping: finishing the posts in flight")
    finally:
        service.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _line(item: PreviewItem) -> str:
    parts = [f"#{item.post_id}", item.channel]
    if item.thread_position is not None:
        parts.append(f"thread {item.thread_id} post {item.thread_position}")
    if item.twin_id is not None:
        parts.append(f"with twin #{item.twin_id}")
    if item.reason:
        parts.append(f"- {item.reason}")
    return "  " + "  ".join(parts)


def show_preview(result: Preview, zone: ZoneInfo) -> None:
    """Print a dry run's answer."""
    click.echo(f"Dry run at {describe(result.now, zone)}: nothing is changed.")
    sections = [
        ("Would publish", result.publish),
        ("Would hold", result.held),
        ("Would mark missed (a person publishes them now or reschedules)", result.missed),
        ("Already held, waiting", result.waiting),
        ("Interrupted (the platform would be asked)", result.interrupted),
    ]
    for title, items in sections:
        click.echo(f"{title}: {len(items)}")
        for item in items:
            click.echo(_line(item))


@worker.command("status")
@click.pass_obj
@reports_errors
def status(cli: CliContext) -> None:
    """Say whether workers are alive, when they last finished a pass, and how the queue stands."""
    settings = cli.settings
    now = SystemClock().now()
    with cli.database.read_session_factory() as session:
        workers = worker_statuses(session, now=now, settings=settings)
        counts = queue_counts(session, now=now)
    zone = settings.timezone
    echo_table(
        [
            {
                "worker": item.worker_id,
                "state": item.state,
                "last seen": describe(item.last_seen_at, zone),
                "last pass": describe(item.last_pass_at, zone) if item.last_pass_at else "never",
                "published": item.last_pass_published,
                "held": item.last_pass_held,
            }
            for item in workers
        ],
        ["worker", "state", "last seen", "last pass", "published", "held"],
    )
    click.echo(
        f"Queue: {counts.due} due now, {counts.scheduled} scheduled ({counts.held} held), "
        f"{counts.publishing} publishing, {counts.failed} failed, {counts.missed} missed, "
        f"{counts.unknown} unknown"
    )
    if not any(item.alive for item in workers):
        fail("no worker is alive: start one with 'gatepost worker' (or 'gatepost serve')")
