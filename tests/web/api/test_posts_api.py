"""The posts API keeps the smallest stable contract: paths, fields, states and status codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.models import AccessRole, EmbargoViewing, Post, PostState
from tests.support.factories import NOW, Factory
from tests.support.query_count import counting_queries
from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.api.workflow_fixtures import Team, token

SEND_AT = (NOW + timedelta(days=1)).isoformat()


def create(api: ApiClient, team: Team, **fields: Any) -> dict[str, Any]:
    body = {"channel": team.english.handle, "text": "Unemployment fell to 4.1%", **fields}
    response = api.post("/posts", token=team.author_token, json=body)
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


def act(api: ApiClient, token: str, post_id: int, action: str, **body: Any) -> Any:
    return api.post(f"/posts/{post_id}/{action}", token=token, json=body or None)


def test_creating_a_post_returns_it_with_the_contract_fields(api: ApiClient, team: Team) -> None:
    response = api.post(
        "/posts",
        token=team.author_token,
        json={
            "channel": f"@{team.english.handle}",
            "text": "Figures out today",
            "twin_text": "Ffigurau allan heddiw",
            "send_at": SEND_AT,
        },
    )
    assert response.status_code == 201
    post = response.get_json()
    assert response.headers["Location"] == f"/api/v1/posts/{post['id']}"
    for name in (
        "id",
        "state",
        "version",
        "channel",
        "text",
        "send_at",
        "twin_id",
        "hold_reason",
        "external_id",
        "published_at",
    ):
        assert name in post
    assert post["state"] == "draft"
    assert post["channel"] == team.english.handle
    assert post["send_at"] == "2027-03-11T10:00:00Z" or post["send_at"].startswith(
        "2027-03-11T10:00:00"
    )
    twin = api.get(f"/posts/{post['twin_id']}", token=team.author_token).get_json()
    assert twin["channel"] == team.welsh.handle
    assert twin["text"] == "Ffigurau allan heddiw"
    assert twin["twin_id"] == post["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "nosuchchannel", "text": "Hello"}, "channel"),
        ({"text": "Hello"}, "channel"),
        ({"channel": "{english}", "text": "x" * 281}, "text"),
        ({"channel": "{english}", "text": "Hello", "send_at": "2027-03-11T10:00:00"}, "send_at"),
        ({"channel": "{english}", "text": "Hello", "release_id": 999999}, "release_id"),
        ({"channel": "{english}", "text": "Hello", "colour": "red"}, "colour"),
        ({"channel": "{english}", "text": 5}, "text"),
    ],
    ids=["unknown-channel", "no-channel", "too-long", "no-offset", "no-release", "unknown", "type"],
)
def test_invalid_input_is_422_naming_the_field(
    api: ApiClient, team: Team, body: dict[str, Any], field: str
) -> None:
    if body.get("channel") == "{english}":
        body = {**body, "channel": team.english.handle}
    problem = assert_problem(
        api.post("/posts", token=team.author_token, json=body), 422, "invalid-input"
    )
    assert field in {error["field"] for error in problem["errors"]}


def test_someone_without_access_to_the_channel_gets_403(api: ApiClient, team: Team) -> None:
    response = api.post(
        "/posts", token=team.outsider_token, json={"channel": team.english.handle, "text": "Hi"}
    )
    assert_problem(response, 403, "forbidden")


def test_a_read_only_token_cannot_write(api: ApiClient, team: Team) -> None:
    response = api.post(
        "/posts", token=team.read_only_token, json={"channel": team.english.handle, "text": "Hi"}
    )
    problem = assert_problem(response, 403, "insufficient-scope")
    assert "write" in problem["detail"]


def test_the_clearance_workflow_through_the_api(api: ApiClient, team: Team) -> None:
    post = create(api, team, send_at=SEND_AT)
    submitted = act(api, team.author_token, post["id"], "submit")
    assert submitted.status_code == 200
    assert submitted.get_json()["state"] == "in_review"
    assert_problem(act(api, team.author_token, post["id"], "submit"), 409, "invalid-state")

    # The author's token lacks the approve scope; an approver's would still not clear their own.
    assert_problem(act(api, team.author_token, post["id"], "approve"), 403, "insufficient-scope")
    changes = act(api, team.approver_token, post["id"], "request-changes", comment="Add source")
    assert changes.get_json()["state"] == "draft"
    assert_problem(
        api.post(f"/posts/{post['id']}/request-changes", token=team.approver_token, json={}),
        422,
        "invalid-input",
    )
    act(api, team.author_token, post["id"], "submit")
    approved = act(api, team.approver_token, post["id"], "approve")
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["state"] == "scheduled"
    assert body["approvals"] == 1

    withdrawn = act(api, team.author_token, post["id"], "withdraw", comment="Figures revised")
    assert withdrawn.get_json()["state"] == "withdrawn"
    assert_problem(act(api, team.author_token, post["id"], "retry"), 409, "invalid-state")

    audit = api.get(f"/posts/{post['id']}/audit", token=team.author_token)
    assert audit.status_code == 200
    events = audit.get_json()
    assert [(event["from_state"], event["to_state"]) for event in events] == [
        (None, "draft"),
        ("draft", "in_review"),
        ("in_review", "draft"),
        ("draft", "in_review"),
        ("in_review", "scheduled"),
        ("scheduled", "withdrawn"),
    ]
    assert events[2]["comment"] == "Add source"
    assert events[4]["actor"] == team.approver.email
    assert {event["actor_label"] for event in events} == {"api"}


def test_an_approved_post_without_a_time_is_scheduled_by_an_approver(
    api: ApiClient, team: Team
) -> None:
    post = create(api, team)
    act(api, team.author_token, post["id"], "submit")
    assert act(api, team.approver_token, post["id"], "approve").get_json()["state"] == "approved"
    assert_problem(
        act(api, team.author_token, post["id"], "schedule", send_at=SEND_AT),
        403,
        "insufficient-scope",
    )
    scheduled = act(api, team.approver_token, post["id"], "schedule", send_at=SEND_AT)
    assert scheduled.status_code == 200
    assert scheduled.get_json()["state"] == "scheduled"
    unscheduled = act(api, team.author_token, post["id"], "unschedule")
    assert unscheduled.get_json()["state"] == "approved"


def test_nobody_approves_their_own_post(
    api: ApiClient, team: Team, factory: Factory, session: Session
) -> None:
    factory.grant(team.approver, [team.english], AccessRole.AUTHOR)
    own = token(session, team.approver, "read,write,approve")
    response = api.post(
        "/posts", token=own, json={"channel": team.english.handle, "text": "My own words"}
    )
    post_id = response.get_json()["id"]
    act(api, own, post_id, "submit")
    assert_problem(act(api, own, post_id, "approve"), 403, "forbidden")


def test_an_approver_who_rewrote_a_post_cannot_approve_it(
    api: ApiClient, team: Team, factory: Factory
) -> None:
    factory.grant(team.approver, [team.english], AccessRole.AUTHOR)
    post = create(api, team, send_at=SEND_AT)
    edited = api.request(
        "PATCH",
        f"/posts/{post['id']}",
        token=team.approver_token,
        json={"version": post["version"], "text": "Unemployment fell to 3.9%, my words"},
    )
    assert edited.status_code == 200
    assert act(api, team.approver_token, post["id"], "submit").status_code == 200

    refused = assert_problem(act(api, team.approver_token, post["id"], "approve"), 403, "forbidden")

    assert refused["detail"] == (
        "You changed this post's text since it was last approved; someone who did not write it "
        "must clear it"
    )
    shown = api.get(f"/posts/{post['id']}", token=team.author_token).get_json()
    assert shown["state"] == "in_review"
    second = token(factory.session, team.second_approver, "read,write,approve")
    cleared = act(api, second, post["id"], "approve")
    assert cleared.get_json()["state"] == "scheduled"


def test_editing_needs_the_current_version(api: ApiClient, team: Team) -> None:
    post = create(api, team)
    edited = api.request(
        "PATCH",
        f"/posts/{post['id']}",
        token=team.author_token,
        json={"version": post["version"], "text": "Unemployment fell to 4.0%"},
    )
    assert edited.status_code == 200
    after = edited.get_json()
    assert after["text"] == "Unemployment fell to 4.0%"
    assert after["version"] > post["version"]
    assert after["content_version"] == 2
    stale = api.request(
        "PATCH",
        f"/posts/{post['id']}",
        token=team.author_token,
        json={"version": post["version"], "text": "Something else"},
    )
    assert_problem(stale, 409, "conflict")
    assert_problem(
        api.request(
            "PATCH",
            f"/posts/{post['id']}",
            token=team.author_token,
            json={"version": after["version"], "text": None},
        ),
        422,
        "invalid-input",
    )
    cleared = api.request(
        "PATCH",
        f"/posts/{post['id']}",
        token=team.author_token,
        json={"version": after["version"], "send_at": SEND_AT},
    ).get_json()
    assert cleared["send_at"] is not None
    assert_problem(
        api.request("PATCH", f"/posts/{post['id']}", token=team.author_token, json={}),
        422,
        "invalid-input",
    )


def test_an_action_with_a_stale_version_is_409(api: ApiClient, team: Team) -> None:
    post = create(api, team)
    response = act(api, team.author_token, post["id"], "submit", version=post["version"] + 5)
    assert_problem(response, 409, "conflict")
    assert (
        act(api, team.author_token, post["id"], "submit", version=post["version"]).status_code
        == 200
    )


def test_a_missing_post_is_404(api: ApiClient, team: Team) -> None:
    assert_problem(api.get("/posts/999999", token=team.author_token), 404, "not-found")
    assert_problem(act(api, team.author_token, 999999, "submit"), 404, "not-found")


def test_embargoed_text_is_hidden_from_people_off_the_access_list(
    api: ApiClient, team: Team, factory: Factory, session: Session, clock: FixedClock
) -> None:
    release = factory.release(by=team.author)
    post = create(api, team, release_id=release.id)
    # Someone who may see the channel's posts, but is not on the release's access list.
    factory.grant(team.outsider, [team.english, team.welsh], AccessRole.AUTHOR)
    hidden = api.get(f"/posts/{post['id']}", token=team.outsider_token).get_json()
    assert hidden["text"] is None
    assert hidden["embargoed_until"] is not None
    listed = api.get(f"/posts?release={release.id}", token=team.outsider_token).get_json()
    assert [item["text"] for item in listed["items"]] == [None]

    # Each read of embargoed text is logged (a GET logs in a commit of its own, so that is
    # tested against a committed database in test_release_day_api.py).
    shown = api.get(f"/posts/{post['id']}", token=team.author_token).get_json()
    assert shown["text"] == "Unemployment fell to 4.1%"
    assert shown["embargoed_until"] is None
    edited = api.request(
        "PATCH",
        f"/posts/{post['id']}",
        token=team.author_token,
        json={"version": shown["version"], "text": "Unemployment fell to 4.2%"},
    )
    assert edited.get_json()["text"] == "Unemployment fell to 4.2%"
    viewing = session.scalars(
        select(EmbargoViewing)
        .where(EmbargoViewing.post_id == post["id"])
        .order_by(EmbargoViewing.id.desc())
    ).first()
    assert viewing is not None
    assert viewing.via == "api"
    assert viewing.user_id == team.author.id

    clock.set(release.embargo_at)
    after = api.get(f"/posts/{post['id']}", token=team.outsider_token).get_json()
    assert after["text"] == "Unemployment fell to 4.2%"
    assert after["embargoed_until"] is None


def test_posts_are_listed_newest_first_by_cursor_with_filters(
    api: ApiClient, team: Team, session: Session
) -> None:
    ids = [create(api, team, text=f"Post {number}")["id"] for number in range(7)]
    act(api, team.author_token, ids[0], "submit")
    seen: list[int] = []
    path: str | None = f"/posts?channel={team.english.handle}&limit=3"
    pages = 0
    while path is not None:
        response = api.get(path.removeprefix("/api/v1"), token=team.author_token)
        assert response.status_code == 200
        page = response.get_json()
        seen.extend(item["id"] for item in page["items"])
        path = page["next"]
        if path is not None:
            assert response.headers["Link"] == f'<{path}>; rel="next"'
            assert "channel=" in path
            assert "limit=3" in path
        pages += 1
    assert seen == sorted(ids, reverse=True)
    assert pages == 3

    in_review = api.get("/posts?state=in_review", token=team.author_token).get_json()
    assert [item["id"] for item in in_review["items"]] == [ids[0]]
    assert in_review["next"] is None
    assert_problem(api.get("/posts?cursor=bm9wZQ", token=team.author_token), 422, "invalid-input")
    assert_problem(api.get("/posts?state=lost", token=team.author_token), 422, "invalid-input")
    assert_problem(api.get("/posts?channel=nosuch", token=team.author_token), 422, "invalid-input")


def test_a_retried_creation_with_the_same_key_makes_one_post(
    api: ApiClient, team: Team, session: Session
) -> None:
    def count() -> int:
        return session.scalar(select(func.count()).select_from(Post)) or 0

    before = count()
    body = {"channel": team.english.handle, "text": "Only once"}
    headers = {"Idempotency-Key": "release-day-1"}
    first = api.post("/posts", token=team.author_token, json=body, headers=headers)
    again = api.post("/posts", token=team.author_token, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count() == before + 1
    other = api.post(
        "/posts", token=team.author_token, json={**body, "text": "Different"}, headers=headers
    )
    assert_problem(other, 422, "idempotency-key-reused")
    assert count() == before + 1


@pytest.mark.parametrize(
    ("send", "status", "kind"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed-request"),
        ({"json": {"channel": 5, "text": "Hi"}}, 422, "invalid-input"),
        ({"json": {"channel": "x", "text": "Hi", "extra": 1}}, 422, "invalid-input"),
        (
            {"data": "a" * (1024 * 1024 + 1), "content_type": "application/json"},
            413,
            "body-too-large",
        ),
        ({"data": "text", "content_type": "text/plain"}, 415, "unsupported-media-type"),
    ],
    ids=["malformed", "wrong-type", "unknown-field", "oversized", "not-json"],
)
def test_bad_requests_get_a_clear_problem(
    api: ApiClient, team: Team, send: dict[str, Any], status: int, kind: str
) -> None:
    problem = assert_problem(api.post("/posts", token=team.author_token, **send), status, kind)
    assert problem["detail"]


def test_expired_and_revoked_tokens_get_401(
    api: ApiClient, team: Team, session: Session, clock: FixedClock
) -> None:
    from scheduler.identity.api_tokens import create_token, revoke_token

    token, secret = create_token(
        session, team.author, scopes="read", by=None, now=NOW, expires_in=timedelta(days=1)
    )
    session.flush()
    assert api.get("/posts", token=secret).status_code == 200
    clock.advance(timedelta(days=2))
    assert (
        "expired" in assert_problem(api.get("/posts", token=secret), 401, "invalid-token")["detail"]
    )
    clock.set(NOW)
    revoke_token(session, token, by=team.author, now=NOW)
    session.flush()
    assert (
        "revoked" in assert_problem(api.get("/posts", token=secret), 401, "invalid-token")["detail"]
    )
    assert_problem(api.get("/posts"), 401, "unauthenticated")


def test_published_posts_cannot_be_edited(api: ApiClient, team: Team, factory: Factory) -> None:
    post = factory.post(team.english, team.author, send_at=NOW + timedelta(hours=1))
    factory.move(post, PostState.PUBLISHED, approvers=[team.approver])
    response = api.request(
        "PATCH",
        f"/posts/{post.id}",
        token=team.author_token,
        json={"version": post.version, "text": "Changed"},
    )
    assert_problem(response, 409, "invalid-state")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"channel": "ONS\\u0000", "text": "Hi"}', "channel"),
        ('{"channel": "ONS", "text": "Half a pair \\udbcb"}', "text"),
        ('{"channel": "ONS", "text": ["x"], "\\u0000": 1}', "(body)"),
    ],
)
def test_text_no_database_can_store_is_422_not_a_crash(
    api: ApiClient, team: Team, raw: str, field: str
) -> None:
    # Found by schemathesis on PostgreSQL, which refuses NUL and unpaired surrogates outright.
    response = api.post(
        "/posts", token=team.author_token, data=raw, headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422, "invalid-input")
    assert field in {error["field"] for error in problem["errors"]}
    assert "cannot be stored" in problem["detail"]


def test_a_query_parameter_no_database_can_store_is_422_naming_it(
    api: ApiClient, team: Team
) -> None:
    response = api.get("/posts?channel=ONS%00", token=team.author_token)
    problem = assert_problem(response, 422, "invalid-input")
    assert [error["field"] for error in problem["errors"]] == ["channel"]
    assert "channel contains a character that cannot be stored" in problem["detail"]


@pytest.mark.parametrize("on_access_list", [False, True], ids=["hidden", "reads-recorded"])
def test_listing_posts_makes_the_same_number_of_queries_for_few_posts_or_many(
    api: ApiClient, team: Team, factory: Factory, database: Database, on_access_list: bool
) -> None:
    # On the release's access list the approver reads the embargoed texts, and each read is
    # recorded; off it, the texts are withheld.
    release = factory.release(
        embargo_at=NOW + timedelta(days=2), access=[team.approver] if on_access_list else []
    )

    def add_posts(count: int) -> None:
        for number in range(count):
            post = factory.post(
                team.english if number % 2 else team.welsh,
                team.author,
                release=release if number % 3 else None,
                text=f"Listed post {number}",
            )
            if number % 3 == 0:
                # Cleared: counting its approvals asks who wrote it.
                factory.move(post, PostState.APPROVED, approvers=[team.second_approver])

    def queries() -> int:
        with counting_queries(database.engine) as counter:
            response = api.get("/posts?limit=50", token=team.approver_token)
        assert response.status_code == 200
        return counter.count

    add_posts(3)
    few = queries()
    add_posts(30)
    assert queries() == few
