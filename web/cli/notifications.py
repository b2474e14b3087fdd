"""`gatepost notifications send`: make notifications from the audit trail and e-mail them."""

from __future__ import annotations

import click

from scheduler.notifications.delivery import deliver_notifications
from web.cli.context import CliContext, pass_cli, reports_errors


@click.group("notifications")
def notifications() -> None:
    """Notifications about posts (the worker also sends them every half minute)."""


@notifications.command("send")
@pass_cli
@reports_errors
def send(cli: CliContext) -> None:
    """Make notifications for new audit events, then e-mail every one not yet sent."""
    report = deliver_notifications(cli.database, cli.settings)
    where = cli.settings.mail.smtp_host or str(cli.settings.mailbox_path)
    click.echo(f"{report.created} notifications made, {report.emailed} e-mailed ({where})")
