"""Pre-release access through real HTTP: before the embargo only the people named on the release's
access list (admins included) read its text and threads' titles, and only they are offered
Approve; an admin may add themselves, which is audited and shown on the list like any entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import create_thread
from scheduler.identity.api_tokens import create_token
from scheduler.models import (
    AuditEvent,
    EmbargoViewing,
    Post,
    PostState,
    Release,
    Role,
    Thread,
    User,
    utcnow,
)
from tests.conftest import TEST_PASSWORD
from tests.support.factories import Factory
from tests.support.totp import enrol
from tests.web.conftest import csrf_token_from

#: In the embargoed texts and the thread's title only.
MARKER = "PRERELEASE5d2e9"


@dataclass
class Scene:
    author: User  # wrote the posts; on the access list
    admin: User  # NOT on the access list
    outsider: User  # approver of the channel, NOT on the access list
    release: Release
    post: Post  # in review, text carries MARKER
    thread: Thread  # title and text carry MARKER
    secrets: dict[int, str]  # user id -> API token


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


@pytest.fixture
def scene(factory: Factory, session: Session, settings: Settings) -> Scene:
    channel = factory.channel()
    author = factory.author(channel)
    outsider = factory.approver(channel)
    admin = factory.user(Role.ADMIN)
    for person in (outsider, admin):
        enrol(session, person)
    release = factory.release(
        embargo_at=utcnow() + timedelta(days=3), access=[author], title="Labour market"
    )
    post = factory.post(channel, author, text=f"Unemployment {MARKER} fell", release=release)
    factory.move(post, PostState.IN_REVIEW)
    thread = create_thread(
        session,
        channel=channel,
        texts=[f"Part one {MARKER}", "Part two"],
        by=author,
        settings=settings,
        release=release,
        title=f"Figures {MARKER}",
        now=factory.now,
    )
    secrets = {
        person.id: create_token(session, person, scopes="read,write", by=None)[1]
        for person in (admin, outsider)
    }
    session.flush()
    return Scene(author, admin, outsider, release, post, thread, secrets)


SignedIn = Callable[[User], FlaskClient]


@pytest.fixture
def signed_in(app: Flask, code_for: Callable[[User], str]) -> SignedIn:
    """Return a function giving a new client signed in as the person, through both steps."""

    def sign_in(user: User) -> FlaskClient:
        client = app.test_client()
        token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
        answer = client.post(
            "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        if answer.headers["Location"] == "/sign-in/two-factor":
            token = csrf_token_from(client.get("/sign-in/two-factor").get_data(as_text=True))
            answer = client.post(
                "/sign-in/two-factor", data={"code": code_for(user), "csrf_token": token}
            )
        assert answer.status_code == 302
        assert answer.headers["Location"] == "/", answer.headers
        return client

    return sign_in


def pages(scene: Scene) -> list[str]:
    return [
        f"/posts/{scene.post.id}",
        f"/posts/{scene.thread.posts[0].id}",
        "/inbox",
        "/queue",
        "/calendar",
        f"/admin/releases/{scene.release.id}",
    ]


def api_paths(scene: Scene) -> list[str]:
    return [
        f"/api/v1/posts/{scene.post.id}",
        "/api/v1/posts",
        f"/api/v1/posts/{scene.post.id}/audit",
        f"/api/v1/threads/{scene.thread.id}",
    ]


def read(client: FlaskClient, path: str, **kwargs: object) -> str:
    with client.get(path, **kwargs) as answer:  # type: ignore[arg-type]
        body = answer.get_data(as_text=True)
    assert answer.status_code in (200, 403), f"{path}: {answer.status_code}"
    return body


def leaks(client: FlaskClient, scene: Scene, reader: User) -> list[str]:
    """Return each page and API answer that shows the embargoed text or title to the reader."""
    token = {"Authorization": f"Bearer {scene.secrets[reader.id]}"}
    seen = {path: read(client, path) for path in pages(scene)}
    seen[f"/compose/{scene.post.id}"] = read(client, f"/compose/{scene.post.id}")
    seen.update({path: read(client, path, headers=token) for path in api_paths(scene)})
    return [path for path, body in seen.items() if MARKER in body]


def approve_offered(client: FlaskClient, scene: Scene) -> dict[str, bool]:
    action = f'action="/posts/{scene.post.id}/approve"'
    return {path: action in read(client, path) for path in (f"/posts/{scene.post.id}", "/inbox")}


def test_an_admin_off_the_list_reads_no_embargoed_text_and_is_not_offered_approve(
    scene: Scene, signed_in: SignedIn, session: Session
) -> None:
    admin = signed_in(scene.admin)

    assert leaks(admin, scene, scene.admin) == []
    assert approve_offered(admin, scene) == {f"/posts/{scene.post.id}": False, "/inbox": False}
    post_page = read(admin, f"/posts/{scene.post.id}")
    assert "Embargoed until" in post_page
    inbox = read(admin, "/inbox")
    assert "You cannot clear this post yet" in inbox
    assert "only people on the pre-release access list of &#39;Labour market&#39;" in inbox
    compose = admin.get(f"/compose/{scene.post.id}")
    assert compose.status_code == 403
    thread = admin.get(
        f"/api/v1/threads/{scene.thread.id}",
        headers={"Authorization": f"Bearer {scene.secrets[scene.admin.id]}"},
    ).get_json()
    assert thread["title"] is None
    assert [post["text"] for post in thread["posts"]] == [None, None]
    viewers = session.scalars(select(EmbargoViewing.user_id)).all()
    assert scene.admin.id not in viewers


def test_an_admin_adds_themselves_audited_and_shown_then_reads_and_may_approve(
    scene: Scene, signed_in: SignedIn, session: Session
) -> None:
    admin = signed_in(scene.admin)
    page = read(admin, f"/admin/releases/{scene.release.id}")
    added = admin.post(
        f"/admin/releases/{scene.release.id}/access",
        data={"email": scene.admin.email, "csrf_token": csrf_token_from(page)},
    )
    assert added.status_code == 302

    listed = read(admin, f"/admin/releases/{scene.release.id}")
    table = listed[
        listed.index('id="release-access"') : listed.index(
            "</table>", listed.index('id="release-access"')
        )
    ]
    assert scene.admin.email in table
    assert "by themselves" in table
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "release_access_granted",
            AuditEvent.release_id == scene.release.id,
            AuditEvent.subject_user_id == scene.admin.id,
        )
    ).all()
    assert [(event.actor_id, event.details["user"]) for event in events] == [
        (scene.admin.id, scene.admin.email)
    ]

    shown = leaks(admin, scene, scene.admin)
    assert set(shown) >= {
        f"/posts/{scene.post.id}",
        f"/posts/{scene.thread.posts[0].id}",
        "/inbox",
        f"/compose/{scene.post.id}",
        f"/api/v1/posts/{scene.post.id}",
        f"/api/v1/threads/{scene.thread.id}",
    }
    assert approve_offered(admin, scene) == {f"/posts/{scene.post.id}": True, "/inbox": True}
    viewers = session.scalars(
        select(EmbargoViewing.user_id).where(EmbargoViewing.release_id == scene.release.id)
    ).all()
    assert scene.admin.id in viewers  # the reads are recorded, as anyone's


def test_after_the_embargo_everyone_who_sees_the_post_reads_it_and_may_approve(
    scene: Scene, signed_in: SignedIn, session: Session
) -> None:
    outsider = signed_in(scene.outsider)
    assert leaks(outsider, scene, scene.outsider) == []
    assert approve_offered(outsider, scene) == {f"/posts/{scene.post.id}": False, "/inbox": False}

    # The embargo passes (the release's instant is now behind us).
    scene.release.embargo_at = utcnow() - timedelta(minutes=1)
    session.flush()

    shown = leaks(outsider, scene, scene.outsider)
    assert set(shown) >= {
        f"/posts/{scene.post.id}",
        "/inbox",
        "/queue",
        f"/api/v1/posts/{scene.post.id}",
        f"/api/v1/threads/{scene.thread.id}",
    }
    assert approve_offered(outsider, scene) == {f"/posts/{scene.post.id}": True, "/inbox": True}
