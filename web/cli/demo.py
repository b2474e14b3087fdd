"""`gatepost demo ...`: what someone trying the demo needs, such as a code without a phone."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from scheduler.demo.codes import NoCodeYet, NotADemoPerson, current_demo_code
from scheduler.models import utcnow
from web.cli.context import CliContext, fail, pass_cli, reports_errors

#: The exit status when the database or the person is not the demo's (distinct from a refusal
#: to try again, 1), so scripts can tell "never" from "not yet".
EXIT_NOT_DEMO = 2


@click.group("demo")
def demo() -> None:
    """Help for trying the demo that 'gatepost serve --demo' seeds."""


@demo.command("code")
@click.option("--user", "email", required=True, help="E-mail address of a demo person.")
@pass_cli
@reports_errors
def code(cli: CliContext, email: str) -> None:
    """Print a demo person's current two-factor code, alone, on standard output."""
    # Read-only: the code is checked, and its use recorded, only when someone signs in with it.
    with cli.database.read_session_factory() as session:
        try:
            shown = current_demo_code(session, email, now=utcnow())
        except NotADemoPerson as refused:
            fail(refused.message, EXIT_NOT_DEMO)
        except NoCodeYet as wait:
            fail(wait.message)
        seconds = int(shown.valid_for.total_seconds())
        who = shown.user.display_name
    click.echo(shown.code)
    click.echo(
        f"The code {who} would see in an authenticator app now; sign in with it within "
        f"{seconds} seconds, or run this again for a new one.",
        err=True,
    )


def command_prefix() -> str:
    """Return how to run `gatepost` the way this process was started (e.g. .venv/bin/gatepost)."""
    program = sys.argv[0]
    if Path(program).name != "gatepost":
        return "gatepost"
    on_path = shutil.which("gatepost")
    if on_path is not None and Path(on_path).resolve() == Path(program).resolve():
        return "gatepost"
    return program
