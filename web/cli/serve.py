"""`gatepost serve`: the web app and a publishing worker in one process."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click
import waitress

from scheduler.core import schema
from scheduler.core.clock import SystemClock
from scheduler.core.garbage_collection import settle_long_running_process
from scheduler.demo.seed import DEMO_SIGN_INS, seed_demo
from scheduler.publishing.send.platform_set import PlatformSet
from scheduler.publishing.worker.service import WorkerService
from web.app import create_app
from web.cli.context import CliContext, pass_cli, reports_errors
from web.cli.logging_setup import configure_logging


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--demo", is_flag=True, help="Seed demo people, channels and a release-day thread.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not publish from this process (run 'gatepost worker' processes instead).",
)
@pass_cli
@reports_errors
def serve(cli: CliContext, host: str, port: int, demo: bool, threads: int, no_worker: bool) -> None:
    """Migrate the database, then serve the web UI (waitress) with a publishing worker inside."""
    configure_logging()
    database = cli.database
    schema.upgrade(database.engine)
    if demo:
        with database.unit_of_work() as session:
            seeded = seed_demo(session, cli.settings)
        if seeded:
            click.echo("Demo data added. Sign in with any of these:")
        else:
            click.echo("The database already has people, so no demo data was added. Demo sign-ins:")
        for sign_in in DEMO_SIGN_INS:
            click.echo(f"  {sign_in.role.value:<9} {sign_in.email}  password: {sign_in.password}")
    app = create_app(cli.settings, database=database)
    worker = None
    if not no_worker:
        PlatformSet(cli.settings, SystemClock()).check_settings()
        worker = WorkerService(database, cli.settings)
    settle_long_running_process()
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if worker is not None:
            worker.start()
            click.echo(f"Publishing worker {worker.identity.worker_id} is running in this process")
        click.echo(f"Gatepost is running at http://{shown_host}:{port}/ (press Ctrl+C to stop)")
        waitress.serve(app, host=host, port=port, threads=threads, ident="Gatepost")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if worker is not None:
            click.echo("Stopping the publishing worker")
            worker.stop()


def _exit_on_sigterm(_signal: int, _frame: FrameType | None) -> None:
    # Unwind through the finally above, so the worker finishes the posts in flight.
    sys.exit(0)
