"""Bulk import of a release-day thread: every problem by row and column, then all or nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.core.errors import PermissionDenied
from scheduler.imports.files import ImportProblem, ImportRow, read_csv, read_json, read_thread_file
from scheduler.imports.operations import (
    PROGRESS_STEP,
    ImportRefused,
    ThreadImport,
    check_thread_import,
    import_thread,
    thread_import_from,
)
from scheduler.models import Post, PostState
from tests.support.factories import Factory

LONG = "x" * 300


def post_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Post)) or 0


def where(
    problems: list[ImportProblem] | tuple[ImportProblem, ...],
) -> set[tuple[int | None, str | None]]:
    return {(problem.row, problem.column) for problem in problems}


def test_a_csv_with_twins_becomes_a_thread_and_its_welsh_twin(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    release = factory.release(by=author)
    found = read_csv(
        "position,text,twin_text\n"
        "2,Second post,Ail neges\n"
        '1,"First post, with a comma",Neges gyntaf\n'
        "\n"
    )
    source = thread_import_from(
        session,
        found,
        channel=english.handle,
        release_id=release.id,
        send_at=release.embargo_at,
    )
    thread = import_thread(session, source, by=author, settings=factory.settings, now=factory.now)
    assert [post.text for post in thread.posts] == ["First post, with a comma", "Second post"]
    assert thread.twin_thread is not None
    assert [post.text for post in thread.twin_thread.posts] == ["Neges gyntaf", "Ail neges"]
    assert thread.twin_thread.channel is welsh
    assert all(post.state is PostState.DRAFT for post in thread.posts)
    assert thread.posts[0].twin is thread.twin_thread.posts[0]
    assert thread.release is release


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_created(
    factory: Factory, session: Session
) -> None:
    english, _welsh = factory.twin_channels(requires_twin=True)
    author = factory.author(english, _welsh)
    before = post_count(session)
    found = read_csv(f"text,twin_text\nFine,Iawn\n{LONG},Iawn\n,Iawn\nNo twin here,\nOK,{LONG}\n")
    source = thread_import_from(session, found, channel=english.handle)
    with pytest.raises(ImportRefused) as refused:
        import_thread(session, source, by=author, settings=factory.settings, now=factory.now)
    assert where(refused.value.problems) == {
        (2, "text"),
        (3, "text"),
        (4, "twin_text"),
        (5, "twin_text"),
    }
    assert "5 problems" not in refused.value.message
    assert "4 problems" in refused.value.message
    assert post_count(session) == before


def test_twins_go_post_for_post_even_where_the_channel_does_not_insist(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels(requires_twin=False)
    author = factory.author(english, welsh)
    source = ThreadImport(
        channel=english,
        rows=[ImportRow(1, "One", "Un"), ImportRow(2, "Two", None)],
    )
    problems = check_thread_import(session, source, by=author, settings=factory.settings)
    assert where(problems) == {(2, "twin_text")}


def test_twin_text_on_a_channel_without_a_twin_is_refused_per_row(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    source = ThreadImport(channel=channel, rows=[ImportRow(1, "One", "Un")])
    problems = check_thread_import(session, source, by=author, settings=factory.settings)
    assert where(problems) == {(1, "twin_text")}


def test_a_send_time_before_the_embargo_is_a_problem_with_the_file(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    release = factory.release(by=author)
    source = ThreadImport(
        channel=channel,
        rows=[ImportRow(1, "One", None)],
        release=release,
        send_at=release.embargo_at - timedelta(minutes=1),
    )
    problems = check_thread_import(
        session, source, by=author, settings=factory.settings, now=factory.now
    )
    assert where(problems) == {(None, "send_at")}


def test_too_many_rows_are_refused_and_every_row_still_checked(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    rows = [ImportRow(number, f"Post {number}", None) for number in range(1, 121)]
    rows[99] = ImportRow(100, LONG, None)
    seen: list[tuple[str, int, int]] = []
    problems = check_thread_import(
        session,
        ThreadImport(channel=channel, rows=rows),
        by=author,
        settings=factory.settings,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert where(problems) == {(None, None), (100, "text")}
    assert "at most 25" in str(problems[0])
    assert seen == [("checked", PROGRESS_STEP, 120), ("checked", 100, 120), ("checked", 120, 120)]


def test_someone_without_access_is_refused_before_any_row(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    stranger = factory.user()
    with pytest.raises(PermissionDenied):
        check_thread_import(
            session,
            ThreadImport(channel=channel, rows=[ImportRow(1, "One", None)]),
            by=stranger,
            settings=factory.settings,
        )


def test_a_json_file_says_where_and_when_and_the_options_must_agree(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    other = factory.channel()
    author = factory.author(channel, other)
    release = factory.release(by=author)
    document = {
        "channel": f"@{channel.handle.upper()}",
        "release_id": release.id,
        "send_at": release.embargo_at.isoformat(),
        "title": "Labour market",
        "posts": [{"text": "One"}, {"text": "Two"}],
    }
    found = read_json(json.dumps(document))
    assert found.problems == []
    source = thread_import_from(session, found, channel=channel.handle)
    thread = import_thread(session, source, by=author, settings=factory.settings, now=factory.now)
    assert thread.title == "Labour market"
    assert thread.posts[0].send_at == release.embargo_at

    disagreeing = thread_import_from(session, read_json(json.dumps(document)), channel=other.handle)
    with pytest.raises(ImportRefused) as refused:
        import_thread(session, disagreeing, by=author, settings=factory.settings, now=factory.now)
    assert where(refused.value.problems) == {(None, "channel")}


def test_json_problems_are_reported_with_the_rows_problems(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    found = read_json(
        json.dumps(
            {"posts": [{"text": "One", "colour": "red"}, {"text": 5}, "text", {"text": LONG}]}
        )
    )
    source = thread_import_from(session, found, channel=channel.handle)
    with pytest.raises(ImportRefused) as refused:
        import_thread(session, source, by=author, settings=factory.settings)
    assert where(refused.value.problems) == {(1, "colour"), (2, "text"), (3, None), (4, "text")}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", {(None, None)}),
        ("words,twin_text\nOne,Un\n", {(None, "words"), (None, "text")}),
        ("text,text\nOne,Two\n", {(None, "text")}),
        ("position,text\n1,One\n1,Two\nx,Three\n", {(2, "position"), (3, "position")}),
        ("text\nOne,extra\n", {(1, None)}),
        ('text\n"never closed\n', set()),
    ],
    ids=["empty", "unknown-column", "repeated-column", "positions", "extra-cell", "open-quote"],
)
def test_csv_structure_problems(content: str, expected: set[tuple[int | None, str | None]]) -> None:
    found = read_csv(content)
    assert where(found.problems) == expected


def test_files_are_read_as_json_or_csv_by_type_then_name_then_content() -> None:
    assert read_thread_file(b'{"posts": [{"text": "One"}]}').rows[0].text == "One"
    assert read_thread_file(b"text\nOne\n", filename="thread.csv").rows[0].text == "One"
    assert read_thread_file("\ufefftext\nCroeso\n".encode()).rows[0].text == "Croeso"
    problem = read_thread_file(b"\xff\xfe", filename="x.csv").problems[0]
    assert "UTF-8" in problem.message
