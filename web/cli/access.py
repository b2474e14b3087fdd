"""`gatepost access ...`: who may write or clear on each channel, and the list to share."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.channels.operations import access_list, get_channel, grant_access, revoke_access
from scheduler.core.local_time import describe_date
from scheduler.reports.access_export import EXPORT_FORMATS, write_access_list
from web.cli.context import CliContext, echo_table, pass_cli, reports_errors
from web.cli.options import CLI_LABEL, as_option, person, required_person


@click.group("access")
def access() -> None:
    """Manage channel access lists (author, approver)."""


def _change(
    cli: CliContext, email: str, handle: str, role: str, acting_as: str | None, grant: bool
) -> None:
    with cli.unit_of_work() as session:
        user = required_person(session, email)
        channel = get_channel(session, handle)
        by = person(session, acting_as)
        change = grant_access if grant else revoke_access
        change(session, channel=channel, user=user, role=role, by=by, actor_label=CLI_LABEL)
        verb = "now has" if grant else "no longer has"
        click.echo(f"{user.email} {verb} {role.strip().lower()} access to @{channel.handle}")


@access.command("grant")
@click.option("--user", "email", required=True, metavar="EMAIL")
@click.option("--channel", "handle", required=True, metavar="HANDLE")
@click.option("--role", required=True, metavar="author|approver")
@as_option(required=False)
@pass_cli
@reports_errors
def grant(cli: CliContext, email: str, handle: str, role: str, acting_as: str | None) -> None:
    """Let a person write (author) or clear (approver) posts on a channel."""
    _change(cli, email, handle, role, acting_as, grant=True)


@access.command("revoke")
@click.option("--user", "email", required=True, metavar="EMAIL")
@click.option("--channel", "handle", required=True, metavar="HANDLE")
@click.option("--role", required=True, metavar="author|approver")
@as_option(required=False)
@pass_cli
@reports_errors
def revoke(cli: CliContext, email: str, handle: str, role: str, acting_as: str | None) -> None:
    """Take a role on a channel away from a person."""
    _change(cli, email, handle, role, acting_as, grant=False)


@access.command("list")
@click.option("--channel", "handle", default=None, metavar="HANDLE", help="Only this channel.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice([*EXPORT_FORMATS, "table"]),
    default="table",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_cli
@reports_errors
def list_(cli: CliContext, handle: str | None, output_format: str, output: Path | None) -> None:
    """Show who can post where: the access list to keep and share."""
    with cli.unit_of_work() as session:
        channel = get_channel(session, handle) if handle else None
        entries = access_list(session, channel)
    if output_format == "table":
        zone = cli.settings.timezone
        rows = [
            {
                "channel": f"@{entry.channel}",
                "email": entry.email,
                "name": entry.name,
                "role": entry.role,
                "owner": entry.owner or "-",
                "granted by": entry.granted_by,
                "granted": describe_date(entry.granted_at.astimezone(zone).date()),
            }
            for entry in entries
        ]
        echo_table(rows, ["channel", "email", "name", "role", "owner", "granted by", "granted"])
        return
    if output is None:
        write_access_list(entries, sys.stdout, output_format)
        return
    with output.open("w", encoding="utf-8", newline="") as handle_out:
        write_access_list(entries, handle_out, output_format)
    click.echo(f"Wrote {len(entries)} entries to {output}", err=True)
