"""/api/v1/me and /api/v1/tokens: who a token is, and managing one's own tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.identity.api_tokens import authenticate_token, hash_token
from scheduler.models import ApiToken, AuditEvent, Role, User
from tests.web.api.conftest import ApiClient, assert_problem


def test_me_says_whose_token_it_is_and_what_it_may_do(
    api: ApiClient, make_user: Callable[..., User], make_token: Callable[..., str]
) -> None:
    officer = make_user(Role.APPROVER, name="Owen Officer")
    raw = make_token(officer, "approve,read", name="release script")
    response = api.get("/me", token=raw)
    assert response.status_code == 200
    me = response.get_json()
    assert me["email"] == officer.email
    assert me["name"] == "Owen Officer"
    assert me["role"] == "approver"
    assert me["token"]["name"] == "release script"
    assert me["token"]["scopes"] == ["read", "approve"]
    assert me["token"]["status"] == "active"
    assert me["token"]["prefix"] == raw[:11]
    expires = datetime.fromisoformat(me["token"]["expires_at"])
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert raw not in response.get_data(as_text=True)


def test_using_a_token_records_when_it_was_last_used_to_the_minute(
    committed_app: Flask,
    committed_database: Database,
    committed_user: Callable[..., tuple[User, str]],
) -> None:
    _user, raw = committed_user()
    clock = FixedClock(datetime.now(UTC))
    committed_app.config["GATEPOST_CLOCK"] = clock
    api = ApiClient(committed_app.test_client())

    def last_used() -> datetime | None:
        with committed_database.unit_of_work() as session:
            return session.scalars(
                select(ApiToken.last_used_at).where(ApiToken.token_hash == hash_token(raw))
            ).one()

    assert last_used() is None
    assert api.get("/me", token=raw).status_code == 200  # a read
    first = clock.now()
    assert last_used() == first
    clock.advance(timedelta(seconds=20))  # within the minute: not written again
    assert api.post("/tokens", token=raw, json={"scopes": ["read"]}).status_code == 201
    assert last_used() == first
    clock.advance(timedelta(minutes=2))
    assert api.post("/tokens", token=raw, json={"scopes": ["read"]}).status_code == 201  # a write
    assert last_used() == clock.now()
    assert api.get("/me", token=raw).get_json()["token"]["last_used_at"] is not None


def test_create_list_show_and_revoke_a_token(
    api: ApiClient, author: User, author_token: str, session: Session
) -> None:
    response = api.post(
        "/tokens", token=author_token, json={"scopes": ["read"], "name": "dashboard"}
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["scopes"] == ["read"]
    assert created["name"] == "dashboard"
    assert response.headers["Location"] == f"/api/v1/tokens/{created['id']}"
    secret = created["token"]
    assert authenticate_token(session, secret, now=datetime.now(UTC)).user_id == author.id

    listed = api.get("/tokens", token=author_token)
    assert [item["name"] for item in listed.get_json()["items"]] == ["", "dashboard"]
    assert secret not in listed.get_data(as_text=True)
    assert "token" not in listed.get_json()["items"][1]

    shown = api.get(f"/tokens/{created['id']}", token=author_token).get_json()
    assert shown["prefix"] == secret[:11]

    revoked = api.delete(f"/tokens/{created['id']}", token=author_token)
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    assert_problem(api.get("/me", token=secret), 401, "invalid-token")
    again = api.delete(f"/tokens/{created['id']}", token=author_token)
    assert again.get_json()["revoked_at"] == revoked.get_json()["revoked_at"]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_user_id == author.id)
    ).all()
    assert actions.count("api_token_created") == 2  # the fixture's, and the API's
    assert actions.count("api_token_revoked") == 1


def test_a_token_cannot_create_one_with_more_scopes(
    api: ApiClient, make_user: Callable[..., User], make_token: Callable[..., str]
) -> None:
    officer = make_user(Role.APPROVER)
    raw = make_token(officer, "read,write")
    response = api.post("/tokens", token=raw, json={"scopes": ["read", "approve"]})
    problem = assert_problem(response, 403, "forbidden")
    assert "it lacks approve" in problem["detail"]
    assert problem["errors"][0]["field"] == "scopes"


def test_a_token_cannot_create_one_that_outlives_it(
    api: ApiClient, author: User, make_token: Callable[..., str]
) -> None:
    raw = make_token(author, "read,write", expires_in=timedelta(days=10))
    problem = assert_problem(
        api.post("/tokens", token=raw, json={"scopes": ["read"], "expires_in_days": 30}),
        422,
        "invalid-input",
    )
    assert "cannot create one that outlives it" in problem["detail"]
    # Left out, the lifetime ends with the calling token's.
    created = api.post("/tokens", token=raw, json={"scopes": ["read"]}).get_json()
    me = api.get("/me", token=raw).get_json()
    assert created["expires_at"] == me["token"]["expires_at"]


def test_unknown_scopes_are_422_listing_the_choices(api: ApiClient, author_token: str) -> None:
    problem = assert_problem(
        api.post("/tokens", token=author_token, json={"scopes": ["read", "admin"]}),
        422,
        "invalid-input",
    )
    assert problem["errors"] == [
        {
            "field": "scopes.1",
            "pointer": "#/scopes/1",
            "message": "Input should be 'read', 'write' or 'approve'",
        }
    ]


def test_someone_elses_token_is_not_found(
    api: ApiClient, make_user: Callable[..., User], make_token: Callable[..., str]
) -> None:
    ada, bob = make_user(), make_user()
    ada_token = make_token(ada, "read,write")
    listed = api.get("/tokens", token=make_token(bob, "read")).get_json()["items"]
    bob_token_id = listed[0]["id"]
    assert api.get(f"/tokens/{bob_token_id}", token=make_token(bob, "read")).status_code == 200
    assert_problem(api.get(f"/tokens/{bob_token_id}", token=ada_token), 404, "not-found")
    assert_problem(api.delete(f"/tokens/{bob_token_id}", token=ada_token), 404, "not-found")


def test_the_api_needs_no_csrf_token_and_sets_no_cookie(api: ApiClient, author_token: str) -> None:
    response = api.post("/tokens", token=author_token, json={"scopes": ["read"]})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_revoking_a_token_revokes_every_token_minted_from_it_and_audits_each(
    api: ApiClient,
    author: User,
    author_token: str,
    make_token: Callable[..., str],
    session: Session,
) -> None:
    def mint(raw: str, name: str) -> dict[str, object]:
        response = api.post("/tokens", token=raw, json={"scopes": ["read", "write"], "name": name})
        assert response.status_code == 201, response.get_json()
        made: dict[str, object] = response.get_json()
        return made

    child = mint(author_token, "child")
    grandchild = mint(str(child["token"]), "grandchild")
    great = mint(str(grandchild["token"]), "great-grandchild")
    sibling = mint(author_token, "sibling")
    elsewhere = make_token(author, "read,write", name="made at the command line")

    # Revoking in the middle of the chain stops it and what it minted, not what minted it.
    middle = api.delete(f"/tokens/{grandchild['id']}", token=elsewhere)
    assert middle.status_code == 200
    assert_problem(api.get("/me", token=str(great["token"])), 401, "invalid-token")
    assert api.get("/me", token=str(child["token"])).status_code == 200

    me = api.get("/me", token=author_token).get_json()
    assert api.delete(f"/tokens/{me['token']['id']}", token=author_token).status_code == 200
    for minted in (child, sibling):
        problem = assert_problem(api.get("/me", token=str(minted["token"])), 401, "invalid-token")
        assert "revoked" in problem["detail"]
    assert api.get("/me", token=elsewhere).status_code == 200
    statuses = {
        item["name"]: item["status"]
        for item in api.get("/tokens", token=elsewhere).get_json()["items"]
    }
    assert statuses == {
        "": "revoked",
        "child": "revoked",
        "grandchild": "revoked",
        "great-grandchild": "revoked",
        "sibling": "revoked",
        "made at the command line": "active",
    }
    revocations = session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_user_id == author.id, AuditEvent.action == "api_token_revoked"
        )
    ).all()
    revoked_with = {
        event.details["name"]: event.details.get("revoked_with") for event in revocations
    }
    assert revoked_with == {
        "grandchild": None,
        "great-grandchild": grandchild["id"],
        "": None,
        "child": me["token"]["id"],
        "sibling": me["token"]["id"],
    }
