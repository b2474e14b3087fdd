"""Import a release-day thread (and its twin) from a file: check every row, then all or none."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.operations import find_channel
from scheduler.clearance import check_text, create_thread
from scheduler.clearance.changes import resolve_now
from scheduler.clearance.drafting import check_new_send_time, require_author_access
from scheduler.clearance.text_rules import clean_text
from scheduler.clearance.threads import MAX_THREAD_POSTS
from scheduler.core.errors import ValidationFailed
from scheduler.core.storable_text import is_storable
from scheduler.core.time_horizon import require_within
from scheduler.imports.files import (
    TEXT_COLUMN,
    TWIN_TEXT_COLUMN,
    ImportProblem,
    ImportRow,
    ThreadFile,
)
from scheduler.models import Channel, Release, Thread, User

T = TypeVar("T")

#: Progress is reported after this many rows, and at the end of each stage.
PROGRESS_STEP = 50


class Progress(Protocol):
    """Told how far an import has got: the stage ("checked" or "created"), rows done, of total."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


class ImportRefused(ValidationFailed):
    """The file has problems; nothing was created. Each problem names its row and column."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        count = len(problems)
        first = "; ".join(str(problem) for problem in problems[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(
            f"Nothing was imported: the file has {count} problem{'s' if count != 1 else ''}: "
            f"{first}{more}"
        )
        self.problems = tuple(problems)


@dataclass(frozen=True)
class ThreadImport:
    """A thread to import: its rows and where and when it goes."""

    channel: Channel
    rows: Sequence[ImportRow]
    release: Release | None = None
    send_at: datetime | None = None
    title: str = ""
    #: Problems already found reading the file; they are reported with the rows' own.
    problems: Sequence[ImportProblem] = ()


def check_thread_import(
    session: Session,
    source: ThreadImport,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[ImportProblem]:
    """Return every problem with the rows (empty when all are fine); refuse without access."""
    now = resolve_now(now)
    channel = source.channel
    rows = list(source.rows)
    has_twins = any(row.twin_text is not None for row in rows)
    twin_channel = channel.twin
    require_author_access(
        session, by, [channel, twin_channel] if has_twins and twin_channel else [channel]
    )
    problems = list(source.problems)
    if not rows and not problems:
        problems.append(ImportProblem(None, None, "The file has no posts; give one a row"))
    elif len(rows) > MAX_THREAD_POSTS:
        problems.append(
            ImportProblem(
                None,
                None,
                f"The file has {len(rows)} posts but a thread can have at most "
                f"{MAX_THREAD_POSTS}; split it into several threads",
            )
        )
    try:
        if source.send_at is not None:
            require_within(source.send_at, now=now, what="The send time", field="send_at")
        check_new_send_time(source.send_at, source.release, now=now, settings=settings)
    except ValidationFailed as error:
        problems.append(ImportProblem(None, error.field or "send_at", error.message))

    twins_wanted = has_twins or channel.requires_twin
    for done, row in enumerate(rows, 1):
        problems.extend(_text_problems(channel, row.number, row.text, TEXT_COLUMN, settings))
        if row.twin_text is not None:
            if twin_channel is None:
                problems.append(
                    ImportProblem(
                        row.number,
                        TWIN_TEXT_COLUMN,
                        f"@{channel.handle} has no twin channel; leave twin texts out",
                    )
                )
            else:
                problems.extend(
                    _text_problems(
                        twin_channel, row.number, row.twin_text, TWIN_TEXT_COLUMN, settings
                    )
                )
        elif twins_wanted:
            problems.append(_missing_twin(channel, row.number))
        if progress is not None and (done % PROGRESS_STEP == 0 or done == len(rows)):
            progress("checked", done, len(rows))
    return problems


def import_thread(
    session: Session,
    source: ThreadImport,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
    progress: Progress | None = None,
) -> Thread:
    """Create the thread (and its twin) from every row, or refuse listing each problem."""
    now = resolve_now(now)
    problems = check_thread_import(
        session, source, by=by, settings=settings, now=now, progress=progress
    )
    if problems:
        raise ImportRefused(problems)
    rows = list(source.rows)
    twin_texts = [row.twin_text or "" for row in rows] if rows[0].twin_text is not None else None
    thread = create_thread(
        session,
        channel=source.channel,
        texts=[row.text for row in rows],
        twin_texts=twin_texts,
        by=by,
        settings=settings,
        send_at=source.send_at,
        release=source.release,
        title=source.title,
        now=now,
        actor_label=actor_label,
    )
    if progress is not None:
        progress("created", len(rows), len(rows))
    return thread


def thread_import_from(
    session: Session,
    found: ThreadFile,
    *,
    channel: str | None = None,
    release_id: int | None = None,
    send_at: datetime | None = None,
    title: str | None = None,
) -> ThreadImport:
    """Return the import a file describes, with the options given beside it filling the gaps.

    An option and the file may not disagree. A channel or release that cannot be found, or a
    file that cannot be read at all, refuses the import with every problem found so far.
    """
    problems = list(found.problems)
    chosen_channel = _agree("channel", found.channel, channel, problems, same=_same_handle)
    chosen_release = _agree("release_id", found.release_id, release_id, problems)
    chosen_send_at = _agree("send_at", found.send_at, send_at, problems)
    chosen_title = _agree("title", found.title, title, problems)
    target = None
    if chosen_channel is None:
        problems.append(ImportProblem(None, "channel", "Say which channel the thread is for"))
    elif is_storable(chosen_channel):  # else already a problem, and no database could look
        target = find_channel(session, chosen_channel)
        if target is None:
            problems.append(ImportProblem(None, "channel", f"No channel @{chosen_channel}"))
    release = None
    if chosen_release is not None:
        release = session.get(Release, chosen_release)
        if release is None:
            problems.append(ImportProblem(None, "release_id", f"No release {chosen_release}"))
    if target is None:
        raise ImportRefused(problems)
    return ThreadImport(
        channel=target,
        rows=found.rows,
        release=release,
        send_at=chosen_send_at,
        title=chosen_title or "",
        problems=tuple(problems),
    )


def _text_problems(
    channel: Channel, number: int, text: str, column: str, settings: Settings
) -> list[ImportProblem]:
    text = clean_text(text)  # measured as it will be saved
    if not text:
        return [
            ImportProblem(number, column, "The text is empty; write the post or remove the row")
        ]
    check = check_text(channel, text, settings)
    return [
        ImportProblem(number, column, f"Text for @{channel.handle}: {problem}")
        for problem in check.problems
    ]


def _missing_twin(channel: Channel, number: int) -> ImportProblem:
    if channel.twin is None:
        message = f"@{channel.handle} needs a twin for every post but has no twin channel"
    elif channel.requires_twin:
        message = (
            f"@{channel.handle} needs every post to have a twin on @{channel.twin.handle}; "
            "write the twin text"
        )
    else:
        message = "Other rows have twin texts; twins go post for post, so write this one too"
    return ImportProblem(number, TWIN_TEXT_COLUMN, message)


def _same_handle(first: str, second: str) -> bool:
    return first.strip().removeprefix("@").lower() == second.strip().removeprefix("@").lower()


def _agree(
    name: str,
    in_file: T | None,
    given: T | None,
    problems: list[ImportProblem],
    same: Callable[[T, T], bool] | None = None,
) -> T | None:
    """Return the value the file or the option gives, noting a problem when they differ."""
    if in_file is None or given is None:
        return in_file if given is None else given
    if not (same(in_file, given) if same else in_file == given):
        problems.append(
            ImportProblem(
                None, name, f"The file says {in_file} but you chose {given}; make them agree"
            )
        )
    return given
