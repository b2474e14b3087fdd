"""The live counter's endpoint: it counts as the server saves, and explains what it cannot count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.clearance import create_post
from scheduler.core.errors import ValidationFailed
from scheduler.models import User, utcnow
from tests.support.emulators.mastodon import MastodonEmulator
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from

SignIn = Callable[[User], TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


def measure(client: FlaskClient, **payload: object) -> TestResponse:
    token = csrf_token_from(client.get("/compose").get_data(as_text=True))
    return client.post("/compose/length", json=payload, headers={"X-CSRFToken": token})


def test_a_trailing_space_counts_as_the_saved_text_does(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn, settings: Settings
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    sign_in_fully(author)
    typed = "x" * 279 + " "

    counted = measure(client, channel=channel.id, text=typed).get_json()
    saved = create_post(factory.session, channel=channel, text=typed, by=author, settings=settings)

    assert len(saved.text) == 279
    assert counted["length"] == 279
    assert counted["remaining"] == 1


def test_a_twin_on_a_channel_without_one_is_explained_not_forbidden(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    response = measure(client, channel=channel.id, text="Helo", twin=True)

    message = f"@{channel.handle} has no twin channel, so a post on it cannot have a twin"
    assert response.status_code == 200
    assert response.get_json() == {
        "length": None,
        "limit": None,
        "remaining": None,
        "valid": False,
        "problems": [message],
        "message": message,
    }


def test_a_channel_the_person_may_not_post_on_is_refused_with_a_message(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel, other = factory.channel(), factory.channel()
    sign_in_fully(factory.author(channel))

    response = measure(client, channel=other.id, text="x")

    assert response.status_code == 403
    assert "may not post on that channel" in response.get_json()["message"]


def test_the_counter_names_a_byte_order_mark_it_refuses(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    counted = measure(client, channel=channel.id, text="Figures\ufeff out today").get_json()

    assert counted["valid"] is False
    assert counted["problems"] == [
        "The post contains a character X does not accept: U+FEFF (zero width no-break space); "
        "remove it"
    ]


def test_a_mastodon_channel_counts_and_refuses_by_its_own_instance_s_limit(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn, settings: Settings
) -> None:
    with MastodonEmulator(max_characters=100) as instance:
        channel = factory.channel()
        channel.platform, channel.instance_url = "mastodon", instance.base_url
        factory.session.flush()
        author = factory.author(channel)
        sign_in_fully(author)

        counted = measure(client, channel=channel.id, text="x" * 90).get_json()
        assert (counted["length"], counted["limit"], counted["remaining"]) == (90, 100, 10)
        with pytest.raises(ValidationFailed, match=r"mastodon\.example allows 100"):
            create_post(
                factory.session, channel=channel, text="x" * 101, by=author, settings=settings
            )
