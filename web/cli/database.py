"""`gatepost db ...`: migrate the schema."""

from __future__ import annotations

import click

from scheduler.core import schema
from web.cli.context import CliContext, pass_cli, reports_errors


@click.group("db")
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Revision to migrate to.")
@pass_cli
@reports_errors
def upgrade(cli: CliContext, revision: str) -> None:
    """Migrate the database to the newest schema (safe to run again)."""
    engine = cli.database.engine
    before = schema.current_revision(engine)
    schema.upgrade(engine, revision)
    after = schema.current_revision(engine)
    if before == after:
        click.echo(f"Database already at revision {after}")
    else:
        click.echo(f"Database migrated from {before or 'empty'} to {after}")


@db.command("current")
@pass_cli
@reports_errors
def current(cli: CliContext) -> None:
    """Show the database's schema revision and the newest one available."""
    revision = schema.current_revision(cli.database.engine)
    click.echo(f"current: {revision or 'empty'}")
    click.echo(f"newest:  {schema.head_revision()}")
