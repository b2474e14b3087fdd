"""`gatepost tokens ...`: create, list and revoke personal API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

import click

from scheduler.identity.accounts import get_user_by_email
from scheduler.identity.api_tokens import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    create_token,
    display_prefix,
    get_token,
    list_tokens,
    revoke_token,
    token_status,
)
from scheduler.models import utcnow
from web.cli.context import CliContext, echo_table, pass_cli, reports_errors
from web.cli.options import shown


@click.group("tokens")
def tokens() -> None:
    """Manage personal API tokens."""


@tokens.command("create")
@click.option("--user", "email", required=True, help="E-mail address of the token's owner.")
@click.option(
    "--scopes", required=True, help="Comma-separated: read, write, approve (e.g. read,write)."
)
@click.option("--name", default="", help="A name to tell the token apart, e.g. the script.")
@click.option(
    "--expires-days",
    type=click.IntRange(1, MAX_LIFETIME.days),
    default=DEFAULT_LIFETIME.days,
    show_default=True,
    help="Days until the token stops working.",
)
@pass_cli
@reports_errors
def create(cli: CliContext, email: str, scopes: str, name: str, expires_days: int) -> None:
    """Create a token and print it, alone, on standard output (it is shown only this once)."""
    with cli.unit_of_work() as session:
        user = get_user_by_email(session, email)
        token, secret = create_token(
            session,
            user,
            scopes=scopes,
            name=name,
            expires_in=timedelta(days=expires_days),
            by=None,
            actor_label="cli",
        )
        expires = _local(cli, token.expires_at)
        summary = (
            f"Created token {token.id} ({display_prefix(token)}) for {user.email} with scopes "
            f"{token.scopes}, expiring {expires}; store it now, it cannot be shown again"
        )
    # Scripts capture standard output, so it carries the token and nothing else.
    click.echo(secret)
    click.echo(summary, err=True)


@tokens.command("list")
@click.option("--user", "email", default=None, help="Only this person's tokens.")
@pass_cli
@reports_errors
def list_(cli: CliContext, email: str | None) -> None:
    """List tokens (never their secrets): owner, scopes, expiry, last use and status."""
    now = utcnow()
    with cli.unit_of_work() as session:
        user = get_user_by_email(session, email) if email else None
        rows = [
            {
                "id": token.id,
                "user": token.user.email,
                "name": token.name or "-",
                "prefix": display_prefix(token),
                "scopes": token.scopes,
                "expires": _local(cli, token.expires_at),
                "last used": _local(cli, token.last_used_at),
                "status": token_status(token, now),
            }
            for token in list_tokens(session, user=user)
        ]
    echo_table(rows, ["id", "user", "name", "prefix", "scopes", "expires", "last used", "status"])


@tokens.command("revoke")
@click.option("--id", "token_id", required=True, type=int, help="The token's id (see `list`).")
@pass_cli
@reports_errors
def revoke(cli: CliContext, token_id: int) -> None:
    """Stop a token working at once."""
    with cli.unit_of_work() as session:
        token = get_token(session, token_id, by=None)
        already = token.revoked_at is not None
        revoke_token(session, token, by=None, actor_label="cli")
        owner = token.user.email
        when = _local(cli, token.revoked_at)
    if already:
        click.echo(
            f"Token {token_id} ({display_prefix(token)}) of {owner} was already revoked on {when}"
        )
    else:
        click.echo(f"Revoked token {token_id} ({display_prefix(token)}) of {owner}")


def _local(cli: CliContext, instant: datetime | None) -> str:
    # People read this list: the one date format (describe), not a strftime pattern.
    return shown(cli.settings, instant)
