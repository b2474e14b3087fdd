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
from scheduler.demo.people import demo_sign_ins
from scheduler.demo.seed import SeedOutcome, seed_demo
from scheduler.models import Role
from scheduler.publishing.send.platform_set import PlatformSet
from scheduler.publishing.worker.service import WorkerService
from web.app import create_app
from web.cli.context import CliContext, pass_cli, reports_errors
from web.cli.demo import command_prefix
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
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104
    if demo:
        _seed_and_explain_demo(cli, f"http://{shown_host}:{port}/sign-in")
    app = create_app(cli.settings, database=database)
    worker = None
    if not no_worker:
        PlatformSet(cli.settings, SystemClock()).check_settings()
        worker = WorkerService(database, cli.settings)
    settle_long_running_process()
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


def _seed_and_explain_demo(cli: CliContext, sign_in_url: str) -> None:
    """Seed the demo into an empty database, then say how to sign in as each of its people."""
    with cli.unit_of_work() as session:
        outcome = seed_demo(session, cli.settings)
        sign_ins = demo_sign_ins(session)
    if outcome is SeedOutcome.NOT_EMPTY:
        click.echo(
            click.wrap_text(
                "The database already has people the demo did not add, so no demo data was "
                "added; to try the demo, start with an empty database (for example in another "
                "GATEPOST_INSTANCE_PATH).",
                width=88,
            ),
            err=True,
        )
        return
    if outcome is SeedOutcome.ADDED:
        click.echo(
            "Demo data added: people, channels and Siân Statistician's release-day thread,\n"
            "part cleared and part waiting for clearance."
        )
    else:
        click.echo("The demo data is already here; it is added only once, so nothing changed.")
    click.echo(f"Sign in at {sign_in_url} as any of the demo people:")
    for sign_in in sign_ins:
        person = sign_in.person
        code = "  then a two-factor code" if sign_in.two_factor else ""
        click.echo(f"  {person.name} ({sign_in.role.value}: {person.job})")
        click.echo(f"      email {person.email}  password {person.password}{code}")
    # Approvers first: clearing posts is what most people come to the demo to try.
    with_codes = sorted(
        (sign_in for sign_in in sign_ins if sign_in.two_factor),
        key=lambda sign_in: sign_in.role is not Role.APPROVER,
    )
    if with_codes:
        click.echo(
            click.wrap_text(
                "Approvers and admins then enter the 6-digit code from an authenticator app. "
                "Without a phone, print a person's current code in another terminal, in this "
                "folder and with the same GATEPOST_* settings:",
                width=88,
            )
        )
        for sign_in in with_codes:
            click.echo(f"  {command_prefix()} demo code --user {sign_in.person.email}")


def _exit_on_sigterm(_signal: int, _frame: FrameType | None) -> None:
    # Unwind through the finally above, so the worker finishes the posts in flight.
    sys.exit(0)
