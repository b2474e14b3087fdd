"""`gatepost overrides grant`: an admin lets one post go outside the publishing window."""

from __future__ import annotations

import click

from scheduler.core.errors import NotFound
from scheduler.identity.accounts import get_user_by_email
from scheduler.models import Post
from scheduler.publishing.overrides import grant_override
from web.cli.context import CliContext, pass_cli, reports_errors


@click.group("overrides")
def overrides() -> None:
    """Record admins' decisions to publish outside the window (never before an embargo)."""


@overrides.command("grant")
@click.option("--post", "post_id", required=True, type=int, help="The post's number.")
@click.option("--as", "actor_email", required=True, help="The admin granting it (e-mail).")
@click.option("--reason", required=True, help="Why; kept in the audit trail.")
@pass_cli
@reports_errors
def grant(cli: CliContext, post_id: int, actor_email: str, reason: str) -> None:
    """Let a post's current text go outside office hours, bank holidays and quiet periods."""
    with cli.unit_of_work() as session:
        by = get_user_by_email(session, actor_email)
        post = session.get(Post, post_id)
        if post is None:
            raise NotFound(f"There is no post {post_id}")
        grant_override(session, post, by=by, reason=reason)
        click.echo(
            f"Override granted for post {post.id} (text version {post.content_version}); "
            "it still waits for any embargo"
        )
