"""Connecting an X channel through X's sign-in: the admin pages against the X emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.credentials import cipher_for
from scheduler.models import AuditEvent, Channel, Role, User
from tests.support.emulators.x import XEmulator
from tests.support.factories import Factory
from tests.support.x_channels import make_x_channel, register_x, with_x_app
from tests.web.conftest import csrf_token_from
from web.admin.channel_oauth import PENDING_KEY

CALLBACK = "http://localhost/admin/channels/oauth/callback"


@pytest.fixture
def settings(
    settings: Settings, x_emulator: XEmulator, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    register_x(monkeypatch)
    x_emulator.client.redirect_uris.append(CALLBACK)
    return with_x_app(settings, x_emulator)


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


@pytest.fixture
def channel(session: Session, factory: Factory, x_emulator: XEmulator) -> Channel:
    return make_x_channel(session, factory.channel("onsx"), x_emulator)


@pytest.fixture
def admin(signed_in_as: Callable[[Role], User]) -> User:
    return signed_in_as(Role.ADMIN)


def start(client: FlaskClient, channel: Channel) -> str:
    """Open the connect page, press its button, and return where Gatepost sends the browser."""
    path = f"/admin/channels/{channel.id}/connect/oauth"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def approve_on_x(authorize_url: str) -> str:
    """Follow X's sign-in (the emulator approves at once); return the callback address."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.usefixtures("admin")
def test_connecting_keeps_the_credentials_and_says_who(
    app: Flask, client: FlaskClient, channel: Channel, session: Session, x_emulator: XEmulator
) -> None:
    page = client.get(f"/admin/channels/{channel.id}/connect/oauth")
    assert "Continue to 127.0.0.1" in page.get_data(as_text=True)
    assert f"form-action 'self' {x_emulator.base_url}" in page.headers["Content-Security-Policy"]

    destination = start(client, channel)
    assert destination.startswith(f"{x_emulator.base_url}/i/oauth2/authorize?")
    back = approve_on_x(destination)
    response = client.get(callback_path(back), follow_redirects=True)

    assert response.status_code == 200
    assert response.request.path == f"/admin/channels/{channel.id}"
    assert "Connected as @gatepost" in response.get_data(as_text=True)
    session.refresh(channel)
    assert channel.connected_as == "@gatepost"
    assert channel.connection_problem is None
    assert channel.credentials_encrypted is not None
    assert "refresh_token" not in channel.credentials_encrypted  # sealed, not readable JSON
    credentials = cipher_for(app.config["GATEPOST_SETTINGS"]).open(channel.credentials_encrypted)
    assert credentials["refresh_token"] in x_emulator.refresh_tokens
    assert credentials["user_id"] == x_emulator.user.id
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "channel_connected")
    ).one()
    assert event.channel_id == channel.id
    assert credentials["access_token"] not in json.dumps(event.details)


@pytest.mark.usefixtures("admin")
def test_what_is_kept_meanwhile_is_sealed_in_the_session(
    app: Flask, client: FlaskClient, channel: Channel
) -> None:
    destination = start(client, channel)
    cookie = client.get_cookie("gatepost_session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    stored = serializer.loads(cookie.value)

    state = parse_qs(urlsplit(destination).query)["state"][0]
    assert "code_verifier" not in json.dumps(stored)
    assert state not in json.dumps(stored)
    assert isinstance(stored[PENDING_KEY], str)


@pytest.mark.usefixtures("admin")
def test_a_callback_with_another_state_saves_nothing(
    client: FlaskClient, channel: Channel, session: Session
) -> None:
    back = approve_on_x(start(client, channel))
    query = parse_qs(urlsplit(back).query)
    forged = urlencode({"state": "someone-elses-state", "code": query["code"][0]})

    response = client.get(f"/admin/channels/oauth/callback?{forged}")
    again = client.get(callback_path(back))  # the real answer, after the flow was spoiled

    assert response.status_code == 400
    assert "The sign-in could not be finished" in response.get_data(as_text=True)
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert again.status_code == 400
    session.refresh(channel)
    assert channel.connected_as is None
    assert channel.credentials_encrypted is None


@pytest.mark.usefixtures("admin")
def test_a_callback_nobody_started_saves_nothing(client: FlaskClient, channel: Channel) -> None:
    response = client.get("/admin/channels/oauth/callback?state=abc&code=def")
    assert response.status_code == 400
    assert "was not started from this browser" in response.get_data(as_text=True)


@pytest.mark.usefixtures("admin")
def test_refusing_on_x_says_so_and_saves_nothing(
    client: FlaskClient, channel: Channel, session: Session
) -> None:
    state = parse_qs(urlsplit(start(client, channel)).query)["state"][0]

    response = client.get(
        f"/admin/channels/oauth/callback?{urlencode({'state': state, 'error': 'access_denied'})}"
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "@onsx was not connected" in text
    assert "Gatepost was not allowed to use the account" in text
    session.refresh(channel)
    assert channel.connected_as is None


@pytest.mark.usefixtures("admin")
def test_a_code_x_refuses_is_reported_and_saves_nothing(
    client: FlaskClient, channel: Channel, session: Session
) -> None:
    state = parse_qs(urlsplit(start(client, channel)).query)["state"][0]

    response = client.get(
        f"/admin/channels/oauth/callback?{urlencode({'state': state, 'code': 'made-up'})}"
    )

    assert response.status_code == 400
    assert "X did not accept the sign-in" in response.get_data(as_text=True)
    session.refresh(channel)
    assert channel.credentials_encrypted is None


def test_only_admins_may_connect(
    client: FlaskClient, channel: Channel, signed_in_as: Callable[[Role], User]
) -> None:
    signed_in_as(Role.APPROVER)
    assert client.get(f"/admin/channels/{channel.id}/connect/oauth").status_code == 403
    assert client.get("/admin/channels/oauth/callback?state=a&code=b").status_code == 403


@pytest.mark.usefixtures("admin")
def test_a_channel_without_a_sign_in_page_is_not_offered(
    client: FlaskClient, factory: Factory
) -> None:
    mock = factory.channel("mockchannel")
    response = client.get(f"/admin/channels/{mock.id}/connect/oauth")
    assert response.status_code == 404
    assert "has no sign-in page" in response.get_data(as_text=True)


@pytest.mark.usefixtures("admin")
def test_without_an_x_app_the_page_says_what_to_set(
    app: Flask, client: FlaskClient, channel: Channel, settings: Settings
) -> None:
    app.config["GATEPOST_SETTINGS"] = settings.with_overrides(x=type(settings.x)())
    response = client.get(f"/admin/channels/{channel.id}/connect/oauth")
    assert response.status_code == 503
    assert "GATEPOST_X_CLIENT_ID" in response.get_data(as_text=True)
