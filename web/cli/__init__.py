"""The `gatepost` command line."""

from __future__ import annotations

import click

from web.cli.context import CliContext
from web.cli.database import db
from web.cli.overrides import overrides
from web.cli.quiet_periods import quiet_periods
from web.cli.serve import serve
from web.cli.users import users
from web.cli.worker import worker


@click.group()
@click.version_option(package_name="gatepost")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Gatepost: a social media scheduling queue with clearance gates."""
    ctx.obj = CliContext()
    ctx.call_on_close(ctx.obj.close)


main.add_command(db)
main.add_command(serve)
main.add_command(users)
main.add_command(worker)
main.add_command(quiet_periods)
main.add_command(overrides)
