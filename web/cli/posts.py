"""`gatepost posts ...`: the clearance workflow from the command line, acting as a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from scheduler.access.rules import displayed_text
from scheduler.channels.operations import get_channel
from scheduler.clearance import (
    KEEP,
    ClearanceResult,
    add_twin,
    approve,
    create_post,
    create_thread,
    edit_post,
    get_post,
    list_posts,
    post_history,
    publish_now,
    request_changes,
    resolve_unknown,
    retry,
    schedule,
    split_for_channel,
    split_twins_for_channel,
    submit,
    unschedule,
    withdraw,
)
from scheduler.clearance.counting import live_approvals
from scheduler.core.errors import ValidationFailed
from scheduler.models import PostState, User
from scheduler.releases.operations import get_release
from web.cli.context import CliContext, echo_table, pass_cli, reports_errors
from web.cli.options import CLI_LABEL, as_option, fold_option, local_instant, required_person, shown


@click.group("posts")
def posts() -> None:
    """Write, clear and schedule posts, acting as a person (--as)."""


def _version_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--version",
        "expected_version",
        type=int,
        default=None,
        help="Refuse if the post changed since this version (as shown by `posts show`).",
    )(function)


def _summary(result: ClearanceResult) -> None:
    click.echo(result.message)
    for post in result.changed:
        click.echo(f"  post {post.id} on @{post.channel.handle}: {post.state.value}")


@posts.command("create")
@as_option()
@click.option("--channel", "handle", required=True, metavar="HANDLE")
@click.option("--text", required=True)
@click.option("--twin-text", default=None, help="The same message for the twin channel.")
@click.option("--send-at", default=None, metavar="'YYYY-MM-DD HH:MM'", help="Local send time.")
@fold_option
@click.option("--release", "release_id", type=int, default=None, help="The release it belongs to.")
@pass_cli
@reports_errors
def create(
    cli: CliContext,
    acting_as: str,
    handle: str,
    text: str,
    twin_text: str | None,
    send_at: str | None,
    fold: str | None,
    release_id: int | None,
) -> None:
    """Write a draft post (and its twin)."""
    settings = cli.settings
    when = local_instant(settings, send_at, fold, option="--send-at") if send_at else None
    with cli.unit_of_work() as session:
        by = required_person(session, acting_as)
        post = create_post(
            session,
            channel=get_channel(session, handle),
            text=text,
            by=by,
            settings=settings,
            send_at=when,
            release=get_release(session, release_id) if release_id else None,
            twin_text=twin_text,
            actor_label=CLI_LABEL,
        )
        twin = (
            f" with its twin, post {post.twin.id} on @{post.twin.channel.handle}"
            if post.twin
            else ""
        )
        click.echo(f"Created draft post {post.id} on @{post.channel.handle}{twin}")


@posts.command("thread")
@as_option()
@click.option("--channel", "handle", required=True, metavar="HANDLE")
@click.option("--text", "texts", multiple=True, required=True, help="One per post, in order.")
@click.option("--twin-text", "twin_texts", multiple=True, help="One per post, in order.")
@click.option("--split", is_flag=True, help="Split one long --text into numbered posts.")
@click.option("--title", default="")
@click.option("--send-at", default=None, metavar="'YYYY-MM-DD HH:MM'")
@fold_option
@click.option("--release", "release_id", type=int, default=None)
@pass_cli
@reports_errors
def thread(
    cli: CliContext,
    acting_as: str,
    handle: str,
    texts: tuple[str, ...],
    twin_texts: tuple[str, ...],
    split: bool,
    title: str,
    send_at: str | None,
    fold: str | None,
    release_id: int | None,
) -> None:
    """Write a thread (with twins), from several --text or one long one with --split."""
    settings = cli.settings
    when = local_instant(settings, send_at, fold, option="--send-at") if send_at else None
    with cli.unit_of_work() as session:
        channel = get_channel(session, handle)
        parts = list(texts)
        twins = list(twin_texts) or None
        if split:
            if len(texts) != 1 or len(twin_texts) > 1:
                raise ValidationFailed("--split takes one --text (and at most one --twin-text)")
            if twin_texts:
                parts, twins = split_twins_for_channel(channel, texts[0], twin_texts[0], settings)
            else:
                parts = split_for_channel(channel, texts[0], settings)
        created = create_thread(
            session,
            channel=channel,
            texts=parts,
            twin_texts=twins,
            title=title,
            by=required_person(session, acting_as),
            settings=settings,
            send_at=when,
            release=get_release(session, release_id) if release_id else None,
            actor_label=CLI_LABEL,
        )
        ids = ", ".join(str(post.id) for post in created.posts)
        click.echo(f"Created thread {created.id} on @{channel.handle}: posts {ids}")
        if created.twin_thread is not None:
            twin_thread = created.twin_thread
            twin_ids = ", ".join(str(post.id) for post in twin_thread.posts)
            click.echo(
                f"Twin thread {twin_thread.id} on @{twin_thread.channel.handle}: posts {twin_ids}"
            )


@posts.command("list")
@as_option()
@click.option("--channel", "handle", default=None, metavar="HANDLE")
@click.option("--state", type=click.Choice([state.value for state in PostState]), default=None)
@click.option("--release", "release_id", type=int, default=None)
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--before", "before_id", type=int, default=None, help="Posts older than this id.")
@pass_cli
@reports_errors
def list_(
    cli: CliContext,
    acting_as: str,
    handle: str | None,
    state: str | None,
    release_id: int | None,
    limit: int,
    before_id: int | None,
) -> None:
    """List posts, newest first (embargoed text only for those allowed to read it)."""
    settings = cli.settings
    with cli.unit_of_work() as session:
        reader = required_person(session, acting_as)
        found = list_posts(
            session,
            channel=get_channel(session, handle) if handle else None,
            state=PostState(state) if state else None,
            release=get_release(session, release_id) if release_id else None,
            before_id=before_id,
            limit=limit,
        )
        rows = [
            {
                "id": post.id,
                "channel": f"@{post.channel.handle}",
                "state": post.state.value,
                "send at": shown(settings, post.send_at),
                "twin": post.twin_id or "-",
                "thread": f"{post.thread_id}#{post.thread_position}" if post.thread_id else "-",
                "text": _preview(
                    displayed_text(session, post, reader=reader, settings=settings, via=CLI_LABEL)
                ),
            }
            for post in found
        ]
    echo_table(rows, ["id", "channel", "state", "send at", "twin", "thread", "text"])


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 60 else flat[:59] + "…"


@posts.command("show")
@click.argument("post_id", type=int)
@as_option()
@pass_cli
@reports_errors
def show(cli: CliContext, post_id: int, acting_as: str) -> None:
    """Show a post, its approvals and its history (a read of embargoed text is recorded)."""
    settings = cli.settings
    with cli.unit_of_work() as session:
        reader = required_person(session, acting_as)
        post = get_post(session, post_id)
        text = displayed_text(session, post, reader=reader, settings=settings, via=CLI_LABEL)
        click.echo(f"Post {post.id} on @{post.channel.handle} ({post.channel.language})")
        click.echo(f"State:    {post.state.value}")
        click.echo(f"Version:  {post.version} (content version {post.content_version})")
        click.echo(f"Send at:  {shown(settings, post.send_at)}")
        release = post.release
        if release is not None:
            embargo = shown(settings, release.embargo_at)
            click.echo(f"Release:  {release.id} {release.title!r}, embargo {embargo}")
        if post.twin_id:
            click.echo(f"Twin:     post {post.twin_id}")
        if post.thread_id:
            click.echo(f"Thread:   {post.thread_id}, post {post.thread_position}")
        if post.hold_reason:
            click.echo(f"Held:     {post.hold_reason}")
        click.echo(f"Author:   {post.author.email}")
        approvers = sorted({approval.approver.email for approval in live_approvals(post)})
        required = post.channel.approvals_required
        listed = f": {', '.join(approvers)}" if approvers else ""
        click.echo(f"Cleared:  {len(approvers)} of {required} approvals of this version{listed}")
        click.echo("Text:")
        for line in text.splitlines() or [""]:
            click.echo(f"  {line}")
        click.echo("History:")
        for event in post_history(session, post):
            actor = session.get(User, event.actor_id) if event.actor_id else None
            who = actor.email if actor else event.actor_label
            via = f" via {event.actor_label}" if actor and event.actor_label != actor.email else ""
            change = f"{event.from_state or '-'} -> {event.to_state}" if event.to_state else ""
            comment = f": {event.comment}" if event.comment else ""
            when = shown(settings, event.occurred_at)
            click.echo(f"  {when}  {event.action} {change} by {who}{via}{comment}")


def _act(
    cli: CliContext,
    post_id: int,
    acting_as: str,
    expected_version: int | None,
    operation: Callable[..., ClearanceResult],
    **arguments: Any,
) -> None:
    with cli.unit_of_work() as session:
        by = required_person(session, acting_as)
        result = operation(
            session,
            get_post(session, post_id),
            **arguments,
            by=by,
            settings=cli.settings,
            expected_version=expected_version,
            actor_label=CLI_LABEL,
        )
        _summary(result)


def _simple(name: str, operation: Callable[..., ClearanceResult], help_text: str) -> None:
    @posts.command(name, help=help_text)
    @click.argument("post_id", type=int)
    @as_option()
    @_version_option
    @pass_cli
    @reports_errors
    def command(
        cli: CliContext, post_id: int, acting_as: str, expected_version: int | None
    ) -> None:
        _act(cli, post_id, acting_as, expected_version, operation)


_simple("submit", submit, "Send a draft (with its twin and thread) for clearance.")
_simple("approve", approve, "Clear a post (and its twin and thread); never your own.")
_simple("unschedule", unschedule, "Take a scheduled post off the queue; it stays approved.")
_simple("withdraw", withdraw, "Withdraw a post that has not gone out.")
_simple("retry", retry, "Queue a failed post to be published again.")
_simple("publish-now", publish_now, "Queue a post that missed its time to go out now.")


@posts.command("request-changes")
@click.argument("post_id", type=int)
@as_option()
@click.option("--comment", required=True, help="What needs to change.")
@_version_option
@pass_cli
@reports_errors
def request_changes_(
    cli: CliContext, post_id: int, acting_as: str, comment: str, expected_version: int | None
) -> None:
    """Send a post back to its author with a comment."""
    _act(cli, post_id, acting_as, expected_version, request_changes, comment=comment)


@posts.command("schedule")
@click.argument("post_id", type=int)
@as_option()
@click.option("--send-at", default=None, metavar="'YYYY-MM-DD HH:MM'", help="Default: its own.")
@fold_option
@_version_option
@pass_cli
@reports_errors
def schedule_(
    cli: CliContext,
    post_id: int,
    acting_as: str,
    send_at: str | None,
    fold: str | None,
    expected_version: int | None,
) -> None:
    """Schedule an approved post (an approver picks the time)."""
    when = local_instant(cli.settings, send_at, fold, option="--send-at") if send_at else None
    _act(cli, post_id, acting_as, expected_version, schedule, send_at=when)


@posts.command("edit")
@click.argument("post_id", type=int)
@as_option()
@click.option("--text", default=None)
@click.option("--send-at", default=None, metavar="'YYYY-MM-DD HH:MM'")
@click.option("--no-send-at", is_flag=True, help="Clear the send time.")
@fold_option
@_version_option
@pass_cli
@reports_errors
def edit(
    cli: CliContext,
    post_id: int,
    acting_as: str,
    text: str | None,
    send_at: str | None,
    no_send_at: bool,
    fold: str | None,
    expected_version: int | None,
) -> None:
    """Change a post's text or send time; it goes back to draft for clearance."""
    if send_at and no_send_at:
        raise click.UsageError("give --send-at or --no-send-at, not both")
    when: Any = KEEP
    if send_at:
        when = local_instant(cli.settings, send_at, fold, option="--send-at")
    elif no_send_at:
        when = None
    _act(
        cli,
        post_id,
        acting_as,
        expected_version,
        edit_post,
        text=text if text is not None else KEEP,
        send_at=when,
    )


@posts.command("add-twin")
@click.argument("post_id", type=int)
@as_option()
@click.option("--text", required=True, help="The message in the twin channel's language.")
@_version_option
@pass_cli
@reports_errors
def add_twin_(
    cli: CliContext, post_id: int, acting_as: str, text: str, expected_version: int | None
) -> None:
    """Write the twin of a post on the twin channel."""
    _act(cli, post_id, acting_as, expected_version, add_twin, text=text)


@posts.command("resolve")
@click.argument("post_id", type=int)
@as_option()
@click.option(
    "--published/--not-published",
    required=True,
    help="What you found on the platform for a post in doubt.",
)
@click.option("--external-id", default=None, help="The platform's id of the post, if found.")
@_version_option
@pass_cli
@reports_errors
def resolve(
    cli: CliContext,
    post_id: int,
    acting_as: str,
    published: bool,
    external_id: str | None,
    expected_version: int | None,
) -> None:
    """Settle a post in doubt: it is on the platform, or it is not (and goes out again)."""
    _act(
        cli,
        post_id,
        acting_as,
        expected_version,
        resolve_unknown,
        published=published,
        external_id=external_id,
    )
