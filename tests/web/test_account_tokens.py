"""API tokens on the account pages: listing, creating (shown once), revoking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.core.errors import DomainError
from scheduler.identity.api_tokens import check_token, list_tokens
from scheduler.models import Role, User
from tests.web.conftest import csrf_token_from

SignIn = Callable[..., TestResponse]
MakeEnrolled = Callable[..., tuple[User, list[str]]]


def create(client: FlaskClient, **data: object) -> TestResponse:
    token = csrf_token_from(client.get("/account/tokens/new").get_data(as_text=True))
    return client.post("/account/tokens/new", data={**data, "csrf_token": token})


@pytest.mark.parametrize("path", ["/account/tokens", "/account/tokens/new"])
def test_strangers_are_sent_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("path", ["/account/tokens/new", "/account/tokens/1/revoke"])
def test_forms_need_their_csrf_token(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn, path: str
) -> None:
    sign_in(make_user(Role.AUTHOR))
    response = client.post(path, data={"name": "x", "scopes": "read", "expires_in_days": "5"})
    assert response.status_code == 400


def test_the_account_page_links_to_tokens(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    sign_in(make_user(Role.AUTHOR))
    assert 'href="/account/tokens"' in client.get("/account").get_data(as_text=True)


def test_an_author_creates_a_token_and_sees_it_once(
    client: FlaskClient, session: Session, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    author = make_user(Role.AUTHOR)
    sign_in(author)
    form = client.get("/account/tokens/new").get_data(as_text=True)
    assert 'value="approve"' not in form  # authors cannot approve
    assert 'name="code"' not in form  # no 2FA, so no code asked
    response = create(client, name="Release script", scopes=["read", "write"], expires_in_days="30")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You will not be able to see it again" in page
    (token,) = list_tokens(session, user=author)
    secret = page.split('id="token-secret"')[1].split(">", 1)[1].split("<", 1)[0]
    assert check_token(session, secret, now=datetime.now(UTC)).id == token.id
    assert token.scope_set == {"read", "write"}
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Release script" in listing
    assert secret not in listing


def test_nothing_typed_is_lost_when_a_token_is_refused(
    client: FlaskClient, session: Session, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    author = make_user(Role.AUTHOR)
    sign_in(author)
    response = create(client, name="Nightly export", scopes=["read"], expires_in_days="900")
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter a number of days from 1 to 366" in page
    assert 'value="Nightly export"' in page
    assert not list_tokens(session, user=author)


def test_an_author_with_2fa_must_give_a_current_code(
    client: FlaskClient,
    session: Session,
    make_enrolled_user: MakeEnrolled,
    sign_in_fully: SignIn,
    code_for: Callable[[User], str],
) -> None:
    author, _ = make_enrolled_user(Role.AUTHOR)
    sign_in_fully(author)
    assert 'name="code"' in client.get("/account/tokens/new").get_data(as_text=True)
    refused = create(client, name="Bot", scopes=["read"], expires_in_days="10", code="000000")
    assert "Enter a current code from your authenticator app" in refused.get_data(as_text=True)
    assert not list_tokens(session, user=author)
    made = create(client, name="Bot", scopes=["read"], expires_in_days="10", code=code_for(author))
    assert "Token created" in made.get_data(as_text=True)
    assert len(list_tokens(session, user=author)) == 1


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_approvers_and_admins_may_give_the_approve_scope(
    client: FlaskClient,
    session: Session,
    make_enrolled_user: MakeEnrolled,
    sign_in_fully: SignIn,
    code_for: Callable[[User], str],
    role: Role,
) -> None:
    person, _ = make_enrolled_user(role)
    sign_in_fully(person)
    response = create(
        client, name="Clearer", scopes=["approve"], expires_in_days="7", code=code_for(person)
    )
    assert "Token created" in response.get_data(as_text=True)
    (token,) = list_tokens(session, user=person)
    assert token.scope_set == {"approve"}


def test_an_author_cannot_sneak_in_the_approve_scope(
    client: FlaskClient, session: Session, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    author = make_user(Role.AUTHOR)
    sign_in(author)
    response = create(client, name="Sneaky", scopes=["approve"], expires_in_days="7")
    assert "There is a problem" in response.get_data(as_text=True)
    assert not list_tokens(session, user=author)


def test_revoking_a_token_stops_it_working(
    client: FlaskClient, session: Session, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    author = make_user(Role.AUTHOR)
    sign_in(author)
    page = create(client, name="Old", scopes=["read"], expires_in_days="7").get_data(as_text=True)
    secret = page.split('id="token-secret"')[1].split(">", 1)[1].split("<", 1)[0]
    (token,) = list_tokens(session, user=author)
    csrf = csrf_token_from(client.get("/account/tokens").get_data(as_text=True))
    response = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert "is revoked" in client.get("/account/tokens").get_data(as_text=True)
    session.expire_all()
    with pytest.raises(DomainError, match="revoked"):
        check_token(session, secret, now=datetime.now(UTC))


def test_nobody_revokes_someone_elses_token(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    owner = make_user(Role.AUTHOR)
    sign_in(owner)
    create(client, name="Mine", scopes=["read"], expires_in_days="7")
    client.post(
        "/sign-out",
        data={"csrf_token": csrf_token_from(client.get("/account").get_data(as_text=True))},
    )
    sign_in(make_user(Role.AUTHOR))
    csrf = csrf_token_from(client.get("/account/tokens").get_data(as_text=True))
    response = client.post("/account/tokens/1/revoke", data={"csrf_token": csrf})
    assert response.status_code == 404
