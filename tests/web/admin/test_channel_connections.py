"""The channel page: its connection, a check button, and connecting by token or app password."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.channels.connections import connect_channel
from scheduler.channels.operations import create_channel, find_channel
from scheduler.models import Channel, Role, User, utcnow
from tests.support.connected_platform import NAME, ConnectedMock, PlatformState

SignInAs = Callable[[Role], User]
PostForm = Callable[..., TestResponse]

pytestmark = pytest.mark.usefixtures("connected_platform")


@pytest.fixture
def channel(session: Session) -> Channel:
    made = create_channel(
        session, platform=NAME, handle="stats", language="en", instance_url="https://social.example"
    )
    session.flush()
    return made


def page(client: FlaskClient, channel: Channel) -> str:
    response = client.get(f"/admin/channels/{channel.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_admin_connects_a_channel_with_a_token_that_is_never_shown_again(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    before = page(client, channel)
    assert "Not connected: its posts are held until an admin connects it" in before
    assert 'autocomplete="off"' in before
    assert "Check connection" not in before

    response = post_form(
        f"/admin/channels/{channel.id}/connect",
        {"token": "good-secret-token"},
        page=f"/admin/channels/{channel.id}",
    )

    assert response.status_code == 302
    after = page(client, channel)
    assert "Connected as @stats@social.example, checked just now" in after
    assert "Check connection" in after
    assert "good-secret-token" not in after


def test_a_refused_token_is_shown_beside_the_field_and_not_kept(
    client: FlaskClient,
    channel: Channel,
    signed_in_as: SignInAs,
    post_form: PostForm,
    session: Session,
) -> None:
    signed_in_as(Role.ADMIN)

    response = post_form(
        f"/admin/channels/{channel.id}/connect",
        {"token": "bad-secret-token"},
        page=f"/admin/channels/{channel.id}",
    )

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "refused the credential for @stats" in body
    assert 'href="#token"' in body
    assert "bad-secret-token" not in body
    session.expire_all()
    assert channel.credentials_encrypted is None


def test_a_platform_connected_by_handle_and_app_password_asks_for_both(
    client: FlaskClient,
    channel: Channel,
    signed_in_as: SignInAs,
    post_form: PostForm,
    monkeypatch: pytest.MonkeyPatch,
    connected_platform: PlatformState,
    session: Session,
) -> None:
    monkeypatch.setattr(ConnectedMock, "connect_with", "handle_and_password")
    signed_in_as(Role.ADMIN)
    body = page(client, channel)
    assert "App password" in body
    assert "Access token" not in body

    post_form(
        f"/admin/channels/{channel.id}/connect",
        {"account_handle": " stats.example ", "app_password": "good-app-pass"},
        page=f"/admin/channels/{channel.id}",
    )

    assert connected_platform.secrets == ["stats.example good-app-pass"]
    session.expire_all()
    assert channel.connected_as == "@stats@social.example"


def test_check_connection_shows_the_problem_the_platform_found(
    client: FlaskClient,
    channel: Channel,
    session: Session,
    settings: Settings,
    signed_in_as: SignInAs,
    post_form: PostForm,
    connected_platform: PlatformState,
) -> None:
    connect_channel(
        session, channel, "good-1", by=None, settings=settings, now=utcnow() - timedelta(minutes=2)
    )
    signed_in_as(Role.ADMIN)
    assert "Connected as @stats@social.example, checked 2 minutes ago" in page(client, channel)
    connected_platform.revoked.add("good-1")

    response = post_form(
        f"/admin/channels/{channel.id}/check", page=f"/admin/channels/{channel.id}"
    )

    assert response.status_code == 302
    body = page(client, channel)
    assert "Not working, checked just now: The access token was revoked" in body


def test_only_admins_connect_or_check(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs
) -> None:
    signed_in_as(Role.APPROVER)
    for action in ("connect", "check"):
        assert client.post(f"/admin/channels/{channel.id}/{action}").status_code in (400, 403)
    assert channel.credentials_encrypted is None


def test_the_oauth_button_appears_only_where_the_platform_has_a_sign_in_flow(
    client: FlaskClient,
    channel: Channel,
    signed_in_as: SignInAs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed_in_as(Role.ADMIN)
    assert "Connect with connected-mock" not in page(client, channel)

    monkeypatch.setattr(ConnectedMock, "supports_authorization", True)
    body = page(client, channel)
    assert "Connect with connected-mock" in body
    assert f'href="/admin/channels/{channel.id}/connect/oauth"' in body


def test_the_create_form_takes_the_platform_and_server_address(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    form = {
        "platform": NAME,
        "handle": "wales",
        "language": "cy",
        "approvals_required": "1",
        "instance_url": "ftp://nowhere",
    }
    refused = post_form("/admin/channels/new", form)
    assert "is not a server address" in refused.get_data(as_text=True)
    assert find_channel(session, "wales") is None

    form["instance_url"] = "https://Cymru.Social/"
    assert post_form("/admin/channels/new", form).status_code == 302
    made = find_channel(session, "wales")
    assert made is not None
    assert made.instance_url == "https://cymru.social"
