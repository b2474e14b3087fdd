"""`gatepost channels ...`: add, list and own channels."""

from __future__ import annotations

import click

from scheduler.channels import create_channel, get_channel, list_channels, set_channel_owner
from web.cli.context import CliContext, echo_table, pass_cli, reports_errors
from web.cli.options import CLI_LABEL, person


@click.group("channels")
def channels() -> None:
    """Manage channels: one account on one platform, in one language."""


@channels.command("create")
@click.option("--platform", required=True, help="The adapter, such as mock.")
@click.option("--handle", required=True, help="The account's handle, with or without @.")
@click.option("--language", required=True, help="Language code, such as en or cy.")
@click.option("--twin", "twin_handle", default=None, metavar="HANDLE", help="Its twin channel.")
@click.option("--requires-twin", is_flag=True, help="Posts must have a twin to be submitted.")
@click.option(
    "--approvals",
    default=1,
    show_default=True,
    type=int,
    help="How many different approvers must clear each post.",
)
@click.option(
    "--owner", default=None, metavar="EMAIL", help="Its owner (for a person's own account)."
)
@click.option("--name", default="", help="A display name.")
@pass_cli
@reports_errors
def create(
    cli: CliContext,
    platform: str,
    handle: str,
    language: str,
    twin_handle: str | None,
    requires_twin: bool,
    approvals: int,
    owner: str | None,
    name: str,
) -> None:
    """Add a channel, optionally twinned with an existing one."""
    with cli.unit_of_work() as session:
        channel = create_channel(
            session,
            platform=platform,
            handle=handle,
            language=language,
            display_name=name,
            twin_handle=twin_handle,
            requires_twin=requires_twin,
            approvals_required=approvals,
            owner=person(session, owner),
            actor_label=CLI_LABEL,
        )
        twin = f", twinned with @{channel.twin.handle}" if channel.twin else ""
        required = " (twin required)" if channel.requires_twin else ""
        plural = "s" if channel.approvals_required > 1 else ""
        click.echo(
            f"Created channel @{channel.handle} ({channel.platform}, {channel.language}){twin}"
            f"{required}; {channel.approvals_required} approval{plural} per post"
        )


@channels.command("list")
@pass_cli
@reports_errors
def list_(cli: CliContext) -> None:
    """List the channels with their twins, approvals and owners."""
    with cli.unit_of_work() as session:
        rows = [
            {
                "handle": f"@{channel.handle}",
                "platform": channel.platform,
                "language": channel.language,
                "twin": f"@{channel.twin.handle}" if channel.twin else "-",
                "twin required": "yes" if channel.requires_twin else "no",
                "approvals": channel.approvals_required,
                "owner": channel.owner.email if channel.owner else "-",
            }
            for channel in list_channels(session)
        ]
    echo_table(
        rows,
        ["handle", "platform", "language", "twin", "twin required", "approvals", "owner"],
    )


@channels.command("set-owner")
@click.option("--channel", "handle", required=True, metavar="HANDLE")
@click.option("--user", "email", default=None, metavar="EMAIL", help="Leave out to clear.")
@pass_cli
@reports_errors
def set_owner(cli: CliContext, handle: str, email: str | None) -> None:
    """Make a person the owner of a channel (they then manage its access list)."""
    with cli.unit_of_work() as session:
        channel = get_channel(session, handle)
        owner = person(session, email)
        set_channel_owner(session, channel, owner, actor_label=CLI_LABEL)
        who = owner.email if owner else "nobody"
        click.echo(f"@{channel.handle} is now owned by {who}")
