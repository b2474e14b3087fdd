"""The thread import page: every row problem listed, nothing created; or the whole thread."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.models import Channel, Post, PostState, Role, Thread, User
from tests.conftest import TEST_PASSWORD
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from
from web.imports import checked_uploads

LONG = "x" * 300


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    """Return a factory for channels and people in the test's session."""
    return Factory(session, settings)


@pytest.fixture
def channels(factory: Factory) -> tuple[Channel, Channel]:
    """Return an English channel and its Welsh twin."""
    return factory.twin_channels(requires_twin=True)


@pytest.fixture
def author(
    factory: Factory,
    channels: tuple[Channel, Channel],
    sign_in: Callable[[User], TestResponse],
) -> User:
    """Return a signed-in author with access to both channels."""
    person = factory.author(*channels)
    sign_in(person)
    return person


def upload(
    client: FlaskClient, channel: Channel, content: str, *, name: str, action: str = "import"
) -> TestResponse:
    token = csrf_token_from(client.get("/imports/thread").get_data(as_text=True))
    return client.post(
        "/imports/thread",
        data={
            "csrf_token": token,
            "channel": channel.handle,
            "release": "",
            "title": "Labour market",
            "action": action,
            "file": (io.BytesIO(content.encode()), name),
        },
        content_type="multipart/form-data",
    )


def post_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Post)) or 0


def test_the_page_offers_the_channels_you_write_on(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel], factory: Factory
) -> None:
    elsewhere = factory.channel("elsewhere")
    page = client.get("/imports/thread").get_data(as_text=True)
    assert f'value="{channels[0].handle}"' in page
    assert f'value="{elsewhere.handle}"' not in page
    assert 'type="file"' in page
    assert "govuk-file-upload" in page


def test_every_row_problem_is_listed_and_nothing_is_created(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel], session: Session
) -> None:
    before = post_count(session)
    response = upload(
        client,
        channels[0],
        f"text,twin_text\nFine,Iawn\n{LONG},Iawn\nNo twin,\n",
        name="thread.csv",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported: the file has 2 problems" in page
    assert "Row 2, column text: Text for @" in page
    assert "Row 3, column twin_text: " in page
    assert "<title>Error: " in page
    assert post_count(session) == before


def test_checking_a_good_file_creates_nothing(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel], session: Session
) -> None:
    before = post_count(session)
    response = upload(
        client,
        channels[0],
        '{"posts": [{"text": "One", "twin_text": "Un"}, {"text": "Two", "twin_text": "Dau"}]}',
        name="thread.json",
        action="check",
    )
    page = response.get_data(as_text=True)
    assert "Checked 2 of 2 rows of thread.json: no problems" in page
    assert post_count(session) == before


def test_importing_a_good_file_creates_the_thread_and_its_twin(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel], session: Session
) -> None:
    before = post_count(session)
    response = upload(
        client,
        channels[0],
        "position,text,twin_text\n1,One,Un\n2,Two,Dau\n",
        name="thread.csv",
    )
    page = response.get_data(as_text=True)
    assert "Thread imported" in page
    assert f"2 posts on @{channels[0].handle}, and 2 on @{channels[1].handle}" in page
    assert post_count(session) == before + 4


def test_a_file_of_another_kind_is_refused(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel]
) -> None:
    page = upload(client, channels[0], "text\nOne\n", name="thread.txt").get_data(as_text=True)
    assert "The file must be a CSV or JSON file" in page


def test_strangers_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/imports/thread")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


GOOD_JSON = '{"posts": [{"text": "One", "twin_text": "Un"}, {"text": "Two", "twin_text": "Dau"}]}'


def checked_token(page: str) -> str:
    match = re.search(r'name="checked_file" value="([^"]+)"', page)
    assert match, "the check result offers no checked file to import"
    return match.group(1)


def import_checked(client: FlaskClient, channel: Channel, token: str) -> TestResponse:
    """Choose "Import this file" on the check result: the form again, with no file chosen."""
    csrf = csrf_token_from(client.get("/imports/thread").get_data(as_text=True))
    return client.post(
        "/imports/thread",
        data={
            "csrf_token": csrf,
            "channel": channel.handle,
            "release": "",
            "title": "Labour market",
            "action": "import",
            "checked_file": token,
        },
        content_type="multipart/form-data",
    )


def test_a_checked_file_is_imported_without_choosing_it_again(
    client: FlaskClient,
    author: User,
    channels: tuple[Channel, Channel],
    session: Session,
    settings: Settings,
) -> None:
    checked = upload(client, channels[0], GOOD_JSON, name="thread.json", action="check")
    page = checked.get_data(as_text=True)
    assert "Import this file" in page
    assert "Leave this empty to import thread.json" in page
    token = checked_token(page)
    before = post_count(session)

    page = import_checked(client, channels[0], token).get_data(as_text=True)

    assert "Thread imported" in page
    assert post_count(session) == before + 4
    # Imported, the kept file is gone: the same token cannot import it twice.
    assert not any((settings.instance_path / "checked-imports").iterdir())
    again = import_checked(client, channels[0], token).get_data(as_text=True)
    assert "The checked file is no longer kept" in again
    assert post_count(session) == before + 4


def test_a_changed_token_is_refused_with_a_clear_error(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel], session: Session
) -> None:
    page = upload(client, channels[0], GOOD_JSON, name="thread.json", action="check").text
    token = checked_token(page)
    before = post_count(session)

    page = import_checked(client, channels[0], token[:-2] + "xx").get_data(as_text=True)

    assert "The checked file could not be found (the form was changed)" in page
    assert "govuk-error-summary" in page
    assert post_count(session) == before


def test_an_expired_token_is_refused_with_a_clear_error(
    client: FlaskClient,
    author: User,
    channels: tuple[Channel, Channel],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = checked_token(
        upload(client, channels[0], GOOD_JSON, name="thread.json", action="check").text
    )
    before = post_count(session)
    monkeypatch.setattr(checked_uploads, "KEEP_SECONDS", -1)  # an hour has passed

    page = import_checked(client, channels[0], token).get_data(as_text=True)

    assert "has expired; choose the file again" in page
    assert post_count(session) == before


def test_someone_elses_checked_file_cannot_be_imported(
    app: Flask,
    client: FlaskClient,
    author: User,
    channels: tuple[Channel, Channel],
    factory: Factory,
    session: Session,
) -> None:
    token = checked_token(
        upload(client, channels[0], GOOD_JSON, name="thread.json", action="check").text
    )
    other = factory.author(*channels)
    other_client = app.test_client()
    csrf = csrf_token_from(other_client.get("/sign-in").get_data(as_text=True))
    other_client.post(
        "/sign-in", data={"email": other.email, "password": TEST_PASSWORD, "csrf_token": csrf}
    )
    before = post_count(session)

    page = import_checked(other_client, channels[0], token).get_data(as_text=True)

    assert "The checked file could not be found" in page
    assert post_count(session) == before


def test_the_result_links_each_post_and_submits_the_thread_in_one_post(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel], session: Session
) -> None:
    page = upload(
        client, channels[0], "position,text,twin_text\n1,One,Un\n2,Two,Dau\n", name="t.csv"
    ).get_data(as_text=True)
    thread = session.scalars(
        select(Thread).where(Thread.channel_id == channels[0].id).order_by(Thread.id.desc())
    ).first()
    assert thread is not None
    posts = [*thread.posts, *(post.twin for post in thread.posts if post.twin)]
    for post in posts:
        assert f'href="/posts/{post.id}"' in page
    action = f"/posts/{thread.posts[0].id}/submit"
    assert f'action="{action}"' in page

    response = client.post(action, data={"csrf_token": csrf_token_from(page)})

    assert response.status_code == 302
    for post in posts:
        session.refresh(post)
        assert post.state is PostState.IN_REVIEW


def test_people_who_write_on_no_channel_are_refused(
    client: FlaskClient, factory: Factory, sign_in: Callable[[User], TestResponse]
) -> None:
    sign_in(factory.user(Role.AUTHOR))

    response = client.get("/imports/thread")

    assert response.status_code == 403
    assert "author access to no channel" in response.get_data(as_text=True)


def test_a_checked_file_still_waits_when_another_answer_is_wrong(
    client: FlaskClient, author: User, channels: tuple[Channel, Channel], session: Session
) -> None:
    token = checked_token(
        upload(client, channels[0], GOOD_JSON, name="thread.json", action="check").text
    )
    csrf = csrf_token_from(client.get("/imports/thread").get_data(as_text=True))
    before = post_count(session)

    page = client.post(
        "/imports/thread",
        data={"csrf_token": csrf, "channel": "", "action": "import", "checked_file": token},
        content_type="multipart/form-data",
    ).get_data(as_text=True)

    assert "Choose the channel" in page
    assert checked_token(page) == token
    assert "Leave this empty to import thread.json" in page
    assert post_count(session) == before
