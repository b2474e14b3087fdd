"""`gatepost quiet-periods ...`: add, list and cancel spans when nothing is published."""

from __future__ import annotations

import click
from sqlalchemy import select

from scheduler.channels.quiet_periods import (
    add_quiet_period,
    cancel_quiet_period,
    get_quiet_period,
    list_quiet_periods,
)
from scheduler.core.clock import SystemClock
from scheduler.core.errors import NotFound
from scheduler.core.local_time import FOLDS, describe
from scheduler.identity.accounts import get_user_by_email
from scheduler.models import Channel
from web.cli.context import CliContext, echo_table, pass_cli, reports_errors
from web.cli.options import local_instant


@click.group("quiet-periods")
def quiet_periods() -> None:
    """Manage quiet periods (e.g. a pre-election period): nothing goes out during one."""


@quiet_periods.command("add")
@click.option("--name", required=True, help="What people will see, e.g. 'Pre-election period'.")
@click.option("--starts", required=True, help="Local date and time, e.g. '2027-04-01 00:00'.")
@click.option("--ends", required=True, help="Local date and time, e.g. '2027-05-07 00:00'.")
@click.option("--channel", "handle", help="Only this channel (default: every channel).")
@click.option("--reason", default="", help="Why, for the audit trail.")
@click.option(
    "--fold",
    type=click.Choice(FOLDS),
    help="For a time the clocks go back over (it happens twice): which one you mean.",
)
@click.option("--as", "actor_email", required=True, help="The admin adding it (e-mail).")
@pass_cli
@reports_errors
def add(
    cli: CliContext,
    name: str,
    starts: str,
    ends: str,
    handle: str | None,
    reason: str,
    fold: str | None,
    actor_email: str,
) -> None:
    """Add a quiet period, in local time."""
    starts_at = local_instant(cli.settings, starts, fold, option="--starts")
    ends_at = local_instant(cli.settings, ends, fold, option="--ends")
    with cli.unit_of_work() as session:
        by = get_user_by_email(session, actor_email)
        channel = None
        if handle:
            channel = session.scalar(select(Channel).where(Channel.handle == handle))
            if channel is None:
                raise NotFound(f"There is no channel {handle!r}; check the handle")
        period = add_quiet_period(
            session,
            by=by,
            name=name,
            starts_at=starts_at,
            ends_at=ends_at,
            channel=channel,
            reason=reason,
        )
        click.echo(
            f"Added quiet period {period.id} “{period.name}”: "
            f"{describe(starts_at, cli.settings.timezone)} to "
            f"{describe(ends_at, cli.settings.timezone)}"
            + (f" on {channel.handle}" if channel else " on every channel")
        )


@quiet_periods.command("list")
@click.option("--all", "include_past", is_flag=True, help="Include periods that are over.")
@pass_cli
@reports_errors
def list_(cli: CliContext, include_past: bool) -> None:
    """List quiet periods, in local time."""
    zone = cli.settings.timezone
    with cli.database.read_session_factory() as session:
        rows = [
            {
                "id": period.id,
                "name": period.name,
                "starts": describe(period.starts_at, zone),
                "ends": describe(period.ends_at, zone),
                "channel": period.channel_id or "all",
                "cancelled": describe(period.cancelled_at, zone) if period.cancelled_at else "",
            }
            for period in list_quiet_periods(
                session, now=SystemClock().now(), include_past=include_past
            )
        ]
    echo_table(rows, ["id", "name", "starts", "ends", "channel", "cancelled"])


@quiet_periods.command("cancel")
@click.option("--id", "period_id", required=True, type=int, help="The quiet period's number.")
@click.option("--as", "actor_email", required=True, help="The admin cancelling it (e-mail).")
@pass_cli
@reports_errors
def cancel(cli: CliContext, period_id: int, actor_email: str) -> None:
    """Cancel a quiet period; posts it held go as soon as the other rules allow."""
    with cli.unit_of_work() as session:
        by = get_user_by_email(session, actor_email)
        period = get_quiet_period(session, period_id)
        released = cancel_quiet_period(session, period, by=by)
        click.echo(
            f"Cancelled quiet period {period.id} “{period.name}”; released {released} post(s)"
        )
