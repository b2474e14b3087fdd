"""`gatepost releases ...`: statistical releases, their embargoes and pre-release access."""

from __future__ import annotations

import click

from scheduler.access.rules import embargo_viewings
from scheduler.models import User
from scheduler.releases.operations import (
    create_release,
    get_release,
    grant_release_access,
    list_releases,
    move_embargo,
    release_access_list,
    revoke_release_access,
)
from web.cli.context import CliContext, echo_table, pass_cli, reports_errors
from web.cli.options import (
    CLI_LABEL,
    as_option,
    fold_option,
    local_instant,
    person,
    required_person,
    shown,
)


@click.group("releases")
def releases() -> None:
    """Manage statistical releases and who may see their posts before the embargo."""


@releases.command("create")
@click.option("--title", required=True)
@click.option(
    "--embargo", required=True, metavar="'YYYY-MM-DD HH:MM'", help="Local time of the release."
)
@fold_option
@click.option(
    "--access", default="", metavar="EMAIL,...", help="People on the pre-release access list."
)
@as_option(required=False)
@pass_cli
@reports_errors
def create(
    cli: CliContext,
    title: str,
    embargo: str,
    fold: str | None,
    access: str,
    acting_as: str | None,
) -> None:
    """Record a release with its embargo (local time) and access list."""
    settings = cli.settings
    embargo_at = local_instant(settings, embargo, fold, option="--embargo")
    with cli.unit_of_work() as session:
        people = [required_person(session, email) for email in access.split(",") if email.strip()]
        release = create_release(
            session,
            title=title,
            embargo_at=embargo_at,
            by=person(session, acting_as),
            access=people,
            actor_label=CLI_LABEL,
        )
        click.echo(
            f"Created release {release.id} {release.title!r}, embargoed until "
            f"{shown(settings, release.embargo_at)}"
        )


@releases.command("list")
@pass_cli
@reports_errors
def list_(cli: CliContext) -> None:
    """List releases by embargo, with their access lists."""
    with cli.unit_of_work() as session:
        rows = [
            {
                "id": release.id,
                "title": release.title,
                "embargo": shown(cli.settings, release.embargo_at),
                "access": ", ".join(
                    entry.user.email for entry in release_access_list(session, release)
                )
                or "-",
            }
            for release in list_releases(session)
        ]
    echo_table(rows, ["id", "title", "embargo", "access"])


@releases.command("move-embargo")
@click.option("--release", "release_id", required=True, type=int)
@click.option("--embargo", required=True, metavar="'YYYY-MM-DD HH:MM'")
@fold_option
@as_option(required=False)
@pass_cli
@reports_errors
def move(
    cli: CliContext, release_id: int, embargo: str, fold: str | None, acting_as: str | None
) -> None:
    """Move the embargo; posts timed at or before a later embargo move with it."""
    settings = cli.settings
    embargo_at = local_instant(settings, embargo, fold, option="--embargo")
    with cli.unit_of_work() as session:
        release = get_release(session, release_id)
        moved = move_embargo(
            session,
            release,
            embargo_at=embargo_at,
            by=person(session, acting_as),
            settings=settings,
            actor_label=CLI_LABEL,
        )
        click.echo(
            f"Embargo of {release.title!r} is now {shown(settings, release.embargo_at)}; "
            f"{len(moved)} post{'s' if len(moved) != 1 else ''} moved with it"
        )


def _access(
    cli: CliContext, release_id: int, email: str, acting_as: str | None, grant: bool
) -> None:
    with cli.unit_of_work() as session:
        release = get_release(session, release_id)
        user = required_person(session, email)
        change = grant_release_access if grant else revoke_release_access
        change(session, release, user=user, by=person(session, acting_as), actor_label=CLI_LABEL)
        where = "added to" if grant else "removed from"
        click.echo(f"{user.email} {where} the access list of {release.title!r}")


@releases.command("grant")
@click.option("--release", "release_id", required=True, type=int)
@click.option("--user", "email", required=True, metavar="EMAIL")
@as_option(required=False)
@pass_cli
@reports_errors
def grant(cli: CliContext, release_id: int, email: str, acting_as: str | None) -> None:
    """Put a person on a release's pre-release access list."""
    _access(cli, release_id, email, acting_as, grant=True)


@releases.command("revoke")
@click.option("--release", "release_id", required=True, type=int)
@click.option("--user", "email", required=True, metavar="EMAIL")
@as_option(required=False)
@pass_cli
@reports_errors
def revoke(cli: CliContext, release_id: int, email: str, acting_as: str | None) -> None:
    """Take a person off a release's pre-release access list."""
    _access(cli, release_id, email, acting_as, grant=False)


@releases.command("viewings")
@click.option("--release", "release_id", required=True, type=int)
@pass_cli
@reports_errors
def viewings(cli: CliContext, release_id: int) -> None:
    """Show who read the release's embargoed text, and when."""
    with cli.unit_of_work() as session:
        release = get_release(session, release_id)
        rows = []
        for viewing in embargo_viewings(session, release):
            reader = session.get(User, viewing.user_id)
            rows.append(
                {
                    "when": shown(cli.settings, viewing.viewed_at),
                    "who": reader.email if reader else viewing.user_id,
                    "post": viewing.post_id or "-",
                    "via": viewing.via,
                }
            )
    echo_table(rows, ["when", "who", "post", "via"])
