"""`gatepost import thread`: a release-day thread (and its twin) from a CSV or JSON file."""

from __future__ import annotations

from pathlib import Path

import click

from scheduler.imports.files import CSV_COLUMNS, read_thread_file
from scheduler.imports.operations import (
    PROGRESS_STEP,
    ImportRefused,
    import_thread,
    thread_import_from,
)
from web.cli.context import EXIT_REFUSED, CliContext, pass_cli, reports_errors
from web.cli.options import CLI_LABEL, as_option, fold_option, local_instant, required_person


@click.group("import")
def import_() -> None:
    """Import posts from files, checking every row before creating anything."""


@import_.command("thread")
@as_option()
@click.option("--channel", "handle", default=None, metavar="HANDLE", help="Unless the file says.")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f'CSV (columns {", ".join(CSV_COLUMNS)}; text required) or JSON ({{"posts": [...]}}).',
)
@click.option("--release", "release_id", type=int, default=None, help="The release it belongs to.")
@click.option("--send-at", default=None, metavar="'YYYY-MM-DD HH:MM'", help="Local send time.")
@fold_option
@click.option("--title", default=None)
@pass_cli
@reports_errors
def thread(
    cli: CliContext,
    acting_as: str,
    handle: str | None,
    path: Path,
    release_id: int | None,
    send_at: str | None,
    fold: str | None,
    title: str | None,
) -> None:
    """Import a thread and its twin from a file: all of it, or nothing and every problem."""
    settings = cli.settings
    when = local_instant(settings, send_at, fold, option="--send-at") if send_at else None
    found = read_thread_file(path.read_bytes(), filename=path.name)

    def progress(stage: str, done: int, total: int) -> None:
        # Only a file long enough to make someone wait gets progress lines.
        if total >= PROGRESS_STEP:
            click.echo(f"{stage} {done} of {total} rows", err=True)

    with cli.unit_of_work() as session:
        by = required_person(session, acting_as)
        try:
            source = thread_import_from(
                session, found, channel=handle, release_id=release_id, send_at=when, title=title
            )
            created = import_thread(
                session, source, by=by, settings=settings, actor_label=CLI_LABEL, progress=progress
            )
        except ImportRefused as refused:
            count = len(refused.problems)
            click.echo(
                f"gatepost: error: nothing was imported; {path.name} has {count} "
                f"problem{'s' if count != 1 else ''}:",
                err=True,
            )
            for problem in refused.problems:
                click.echo(f"  {problem}", err=True)
            raise SystemExit(EXIT_REFUSED) from None
        ids = ", ".join(str(post.id) for post in created.posts)
        click.echo(f"Imported thread {created.id} on @{created.channel.handle}: posts {ids}")
        twin = created.twin_thread
        if twin is not None:
            twin_ids = ", ".join(str(post.id) for post in twin.posts)
            click.echo(f"Twin thread {twin.id} on @{twin.channel.handle}: posts {twin_ids}")
