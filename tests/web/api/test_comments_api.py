"""Comments through the API: the conversation, @mentions, and embargoed words kept off the list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Comment, Notification, PostState, Role
from scheduler.notifications.operations import notify_from_audit
from tests.support.factories import NOW, Factory
from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.api.workflow_fixtures import Team, token


def test_author_and_approver_comment_and_read_the_conversation_oldest_first(
    api: ApiClient, team: Team, factory: Factory
) -> None:
    post = factory.post(team.english, team.author, text="Prices rose 3%")
    handle = team.author.email.partition("@")[0]

    asked = api.post(
        f"/posts/{post.id}/comments",
        token=team.approver_token,
        json={"text": f"@{handle} is 3% rounded?"},
    )
    assert asked.status_code == 201, asked.get_json()
    assert asked.headers["Location"] == f"/api/v1/posts/{post.id}/comments"
    assert asked.get_json()["mentioned"] == [team.author.email]
    answered = api.post(
        f"/posts/{post.id}/comments", token=team.author_token, json={"text": "Yes, from 3.2%"}
    )
    assert answered.status_code == 201

    listed = api.get(f"/posts/{post.id}/comments", token=team.author_token)
    assert listed.status_code == 200
    assert [(item["author"], item["text"]) for item in listed.get_json()] == [
        (team.approver.email, f"@{handle} is 3% rounded?"),
        (team.author.email, "Yes, from 3.2%"),
    ]
    assert listed.get_json()[0]["mentioned"] == [team.author.email]


def test_a_mention_of_someone_without_access_is_a_422_naming_them(
    api: ApiClient, team: Team, factory: Factory, session: Session
) -> None:
    post = factory.post(team.english, team.author)
    handle = team.outsider.email.partition("@")[0]

    refused = api.post(
        f"/posts/{post.id}/comments", token=team.approver_token, json={"text": f"@{handle} look"}
    )

    problem = assert_problem(refused, 422, "invalid-input")
    assert (
        f"(@{handle}) cannot be mentioned: they have no access to @{team.english.handle}"
        in (problem["detail"])
    )
    assert session.scalar(select(Comment.id)) is None


def test_people_off_the_channel_cannot_comment_or_see_the_post(
    api: ApiClient, team: Team, factory: Factory
) -> None:
    post = factory.post(team.english, team.author)

    response = api.post(
        f"/posts/{post.id}/comments", token=team.outsider_token, json={"text": "Hello"}
    )
    assert_problem(response, 404, "not-found")
    assert_problem(
        api.get(f"/posts/{post.id}/comments", token=team.outsider_token), 404, "not-found"
    )
    read_only = api.post(
        f"/posts/{post.id}/comments", token=team.read_only_token, json={"text": "Hello"}
    )
    assert read_only.status_code == 403


def test_embargoed_comments_are_hidden_from_people_off_the_list(
    api: ApiClient, team: Team, factory: Factory, session: Session
) -> None:
    release = factory.release(access=[team.author, team.approver], title="Labour market")
    post = factory.post(team.english, team.author, text="Unemployment 4.4%", release=release)
    said = api.post(
        f"/posts/{post.id}/comments", token=team.approver_token, json={"text": "4.4% checked"}
    )
    assert said.status_code == 201
    unlisted_token = token(session, team.second_approver, "read,write")

    hidden = api.get(f"/posts/{post.id}/comments", token=unlisted_token).get_json()
    assert [item["text"] for item in hidden] == [None]
    assert hidden[0]["embargoed_until"] is not None
    refused = api.post(f"/posts/{post.id}/comments", token=unlisted_token, json={"text": "Hm"})
    assert_problem(refused, 403, "forbidden")
    shown = api.get(f"/posts/{post.id}/comments", token=team.author_token).get_json()
    assert [item["text"] for item in shown] == ["4.4% checked"]


def test_a_mention_through_the_api_notifies_without_the_words(
    api: ApiClient, team: Team, factory: Factory, session: Session
) -> None:
    post = factory.post(team.english, team.author, text="Prices rose")
    factory.move(post, PostState.IN_REVIEW)
    handle = team.second_approver.email.partition("@")[0]
    api.post(
        f"/posts/{post.id}/comments",
        token=team.author_token,
        json={"text": f"@{handle} secret figure 7.7%"},
    )
    notify_from_audit(session, now=NOW)

    [note] = session.scalars(
        select(Notification).where(
            Notification.user_id == team.second_approver.id, Notification.kind == "mentioned"
        )
    ).all()
    assert "7.7" not in note.message
    assert note.post_id == post.id
    assert team.outsider.role is Role.AUTHOR
