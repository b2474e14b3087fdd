"""`gatepost channels ...`: add, list, own and connect channels."""

from __future__ import annotations

import sys

import click

from scheduler.channels.connections import (
    CheckResult,
    check_connection,
    connect_channel,
    platform_needs_connection,
)
from scheduler.channels.credentials import new_key, reencrypt_channels
from scheduler.channels.operations import (
    create_channel,
    get_channel,
    list_channels,
    set_channel_owner,
)
from scheduler.core.errors import ValidationFailed
from web.cli.context import EXIT_REFUSED, CliContext, echo_table, fail, pass_cli, reports_errors
from web.cli.options import CLI_LABEL, person


@click.group("channels")
def channels() -> None:
    """Manage channels: one account on one platform, in one language."""


@channels.command("create")
@click.option(
    "--platform", required=True, help="The adapter: mock, mastodon, bluesky, x or another."
)
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
@click.option(
    "--instance",
    "instance_url",
    default=None,
    metavar="URL",
    help="The server's base URL (a Mastodon instance, a Bluesky PDS); defaults to the "
    "platform's public service where it has one.",
)
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
    instance_url: str | None,
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
            instance_url=instance_url,
            actor_label=CLI_LABEL,
        )
        twin = f", twinned with @{channel.twin.handle}" if channel.twin else ""
        required = " (twin required)" if channel.requires_twin else ""
        plural = "s" if channel.approvals_required > 1 else ""
        click.echo(
            f"Created channel @{channel.handle} ({channel.platform}, {channel.language}){twin}"
            f"{required}; {channel.approvals_required} approval{plural} per post"
            + (f"; server {channel.instance_url}" if channel.instance_url else "")
        )
        if platform_needs_connection(channel.platform):
            click.echo(f"Connect it next: gatepost channels connect --channel {channel.handle}")


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


def _read_secret() -> str:
    """Return the credential: the first line of standard input, or typed hidden at a terminal."""
    if sys.stdin.isatty():
        typed: str = click.prompt("Credential", hide_input=True, err=True)
        return typed
    return sys.stdin.readline()


@channels.command("connect")
@click.option("--channel", "handle", required=True, metavar="HANDLE")
@pass_cli
@reports_errors
def connect(cli: CliContext, handle: str) -> None:
    """Connect a channel: read its credential from standard input, check it, keep it encrypted.

    Mastodon: an access token. Bluesky: the handle and an app password on one line, separated
    by a space. X channels connect through OAuth on the channel's admin page.
    """
    secret = _read_secret()
    with cli.unit_of_work() as session:
        channel = get_channel(session, handle)
        connect_channel(
            session, channel, secret, by=None, settings=cli.settings, actor_label=CLI_LABEL
        )
        click.echo(f"@{channel.handle} is connected as {channel.connected_as}")


@channels.command("check")
@click.option("--channel", "handle", default=None, metavar="HANDLE", help="Leave out with --all.")
@click.option("--all", "every", is_flag=True, help="Check every connected channel.")
@pass_cli
@reports_errors
def check(cli: CliContext, handle: str | None, every: bool) -> None:
    """Ask the platform whether channels' stored credentials still work; exit 1 if any do not."""
    if bool(handle) == every:
        raise ValidationFailed("Name one channel with --channel HANDLE, or give --all")
    results: list[CheckResult] = []
    with cli.unit_of_work() as session:
        chosen = (
            [get_channel(session, handle)]
            if handle
            else [
                channel
                for channel in list_channels(session)
                if channel.connected_as is not None and platform_needs_connection(channel.platform)
            ]
        )
        for channel in chosen:
            results.append(
                check_connection(
                    session, channel, by=None, settings=cli.settings, actor_label=CLI_LABEL
                )
            )
    for result in results:
        click.echo(result.line())
    if every and not results:
        click.echo("No channel is connected")
    if any(not result.working for result in results):
        sys.exit(EXIT_REFUSED)


@channels.command("rotate-credentials")
@pass_cli
@reports_errors
def rotate_credentials(cli: CliContext) -> None:
    """Encrypt every channel's credentials again with the newest of credentials.keys."""
    with cli.unit_of_work() as session:
        done, unreadable = reencrypt_channels(session, cli.settings)
    click.echo(f"Re-encrypted the credentials of {done} channel{'s' if done != 1 else ''}")
    if unreadable:
        fail(
            "no configured key opens the credentials of "
            + ", ".join(f"@{name}" for name in unreadable)
            + "; put the old key back in credentials.keys, or connect them again"
        )


@channels.command("new-credential-key")
def new_credential_key() -> None:
    """Print a new random key for credentials.keys (GATEPOST_CREDENTIAL_KEYS)."""
    click.echo(new_key())
