"""The thread import page: every row problem listed, nothing created; or the whole thread."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.models import Channel, Post, User
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from

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
