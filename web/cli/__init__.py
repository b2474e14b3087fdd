"""The `gatepost` command line."""

from __future__ import annotations

import click

from web.cli.access import access
from web.cli.audit import audit
from web.cli.channels import channels
from web.cli.context import CliContext
from web.cli.database import db
from web.cli.demo import demo
from web.cli.imports import import_
from web.cli.notifications import notifications
from web.cli.overrides import overrides
from web.cli.posts import posts
from web.cli.quiet_periods import quiet_periods
from web.cli.releases import releases
from web.cli.serve import serve
from web.cli.tokens import tokens
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
main.add_command(tokens)
main.add_command(channels)
main.add_command(access)
main.add_command(releases)
main.add_command(posts)
main.add_command(audit)
main.add_command(worker)
main.add_command(quiet_periods)
main.add_command(overrides)
main.add_command(notifications)
main.add_command(import_)
main.add_command(demo)
