"""`gatepost audit export`: the audit trail as CSV or JSON, by post, channel or dates."""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click

from config import Settings
from scheduler.audit_export import EXPORT_FORMATS, AuditFilter, write_export
from scheduler.channels import get_channel
from scheduler.clearance import get_post
from scheduler.errors import ValidationFailed
from scheduler.local_time import Fold, to_utc
from scheduler.models import utcnow
from scheduler.time_horizon import require_day_within
from web.cli.context import CliContext, pass_cli, reports_errors


@click.group("audit")
def audit() -> None:
    """Read the append-only audit trail."""


def _day_start(settings: Settings, value: str, option: str) -> datetime:
    """Return the UTC instant at which the local day begins."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f"{option}: {value!r} is not a date; write it as YYYY-MM-DD"
        ) from None
    require_day_within(day, now=utcnow(), what=option)
    # Midnight always exists in the UK; where a zone skips it, the day starts at the later instant.
    return to_utc(datetime.combine(day, time(0, 0)), settings.timezone, fold=Fold.EARLIER)


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
    with cli.unit_of_work() as session:
        if post_id is not None:
            get_post(session, post_id)
        channel = get_channel(session, handle) if handle else None
        criteria = AuditFilter(
            post_id=post_id,
            channel_id=channel.id if channel else None,
            since=_day_start(settings, since, "--since") if since else None,
            until=_next_day(settings, until) if until else None,
        )
        if output is None:
            write_export(session, criteria, export_format, sys.stdout)
            return
        with output.open("w", encoding="utf-8", newline="") as out:
            count = write_export(session, criteria, export_format, out)
    click.echo(f"Wrote {count} audit events to {output}", err=True)


def _next_day(settings: Settings, value: str) -> datetime:
    start = _day_start(settings, value, "--until")
    day = start.astimezone(settings.timezone).date() + timedelta(days=1)
    return to_utc(datetime.combine(day, time(0, 0)), settings.timezone, fold=Fold.EARLIER)
