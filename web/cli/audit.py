"""`gatepost audit export`: the audit trail as CSV or JSON, by post, channel or dates."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import click

from scheduler.channels.operations import get_channel
from scheduler.clearance import get_post
from scheduler.core.errors import ValidationFailed
from scheduler.reports.audit_export import EXPORT_FORMATS, AuditFilter, day_range, write_export
from web.cli.context import CliContext, pass_cli, reports_errors


@click.group("audit")
def audit() -> None:
    """Read the append-only audit trail."""


def _day(value: str | None, option: str) -> date | None:
    """Return the date typed for the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f"{option}: {value!r} is not a date; write it as YYYY-MM-DD"
        ) from None


@audit.command("export")
@click.option("--post", "post_id", type=int, default=None, help="Only this post.")
@click.option("--channel", "handle", default=None, metavar="HANDLE", help="Only this channel.")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="From this local date on.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Up to and including this date.")
@click.option("--format", "export_format", type=click.Choice(EXPORT_FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_cli
@reports_errors
def export(
    cli: CliContext,
    post_id: int | None,
    handle: str | None,
    since: str | None,
    until: str | None,
    export_format: str,
    output: Path | None,
) -> None:
    """Export audit events as CSV or JSON (to standard output, or --output FILE)."""
    settings = cli.settings
    first, last = _day(since, "--since"), _day(until, "--until")
    # The range and the number are checked before anything is looked up or written.
    since_at, until_at = day_range(first, last, settings.timezone)
    criteria = AuditFilter(post_id=post_id, since=since_at, until=until_at)
    with cli.unit_of_work() as session:
        if post_id is not None:
            get_post(session, post_id)
        if handle:
            criteria = replace(criteria, channel_id=get_channel(session, handle).id)
        if output is None:
            write_export(session, criteria, export_format, sys.stdout)
            return
        with output.open("w", encoding="utf-8", newline="") as out:
            count = write_export(session, criteria, export_format, out)
    click.echo(f"Wrote {count} audit events to {output}", err=True)
