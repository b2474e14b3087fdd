"""Admin pages for releases: embargoes in local time, moving them, access and early viewings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.access.rules import read_text
from scheduler.models import AccessRole, PostState, Release, Role, User
from scheduler.releases.operations import grant_release_access, release_access_list
from tests.support.factories import Factory

SignInAs = Callable[[Role], User]
PostForm = Callable[..., TestResponse]
MakeUser = Callable[..., User]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


@pytest.fixture
def release(factory: Factory) -> Release:
    return factory.release(title="Labour market statistics: March 2027")


def when(day: str, hour: str, minute: str, **extra: str) -> dict[str, str]:
    year, month, date = day.split("-")
    return {
        "embargo_date-day": date,
        "embargo_date-month": month,
        "embargo_date-year": year,
        "embargo_time-hour": hour,
        "embargo_time-minute": minute,
        **extra,
    }


PAGES = ["/admin/releases", "/admin/releases/new", "/admin/releases/{id}"]
ACTIONS = [
    "/admin/releases/{id}/embargo",
    "/admin/releases/{id}/access",
    "/admin/releases/{id}/access/revoke",
]


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_sign_in(client: FlaskClient, release: Release, path: str) -> None:
    response = client.get(path.format(id=release.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
@pytest.mark.parametrize("path", PAGES)
def test_only_admins_see_releases(
    client: FlaskClient, release: Release, signed_in_as: SignInAs, role: Role, path: str
) -> None:
    signed_in_as(role)
    assert client.get(path.format(id=release.id)).status_code == 403


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
@pytest.mark.parametrize("path", ACTIONS)
def test_only_admins_change_releases(
    client: FlaskClient,
    release: Release,
    signed_in_as: SignInAs,
    post_form: PostForm,
    role: Role,
    path: str,
) -> None:
    signed_in_as(role)
    response = post_form(
        path.format(id=release.id), when("2027-03-13", "09", "30"), page="/account"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/admin/releases/new", *ACTIONS])
def test_forms_need_their_csrf_token(
    client: FlaskClient, release: Release, signed_in_as: SignInAs, path: str
) -> None:
    signed_in_as(Role.ADMIN)
    response = client.post(path.format(id=release.id), data=when("2027-03-13", "09", "30"))
    assert response.status_code == 400


def test_an_admin_adds_a_release_in_local_time(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    admin = signed_in_as(Role.ADMIN)
    # 09:30 in London in June is 08:30 UTC (British Summer Time).
    response = post_form(
        "/admin/releases/new", when("2027-06-10", "09", "30", title="GDP first estimate")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    made = session.scalars(select(Release).where(Release.title == "GDP first estimate")).one()
    assert made.embargo_at == datetime(2027, 6, 10, 8, 30, tzinfo=UTC)
    assert [entry.user_id for entry in release_access_list(session, made)] == [admin.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "embargoed until Thu 10 Jun 2027 09:30 BST" in page


def test_a_time_the_clocks_skip_is_refused(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    page = post_form(
        "/admin/releases/new", when("2027-03-28", "01", "30", title="Skipped")
    ).get_data(as_text=True)
    assert "does not exist in Europe/London" in page
    assert 'value="Skipped"' in page
    assert session.scalars(select(Release).where(Release.title == "Skipped")).first() is None


def test_a_time_that_happens_twice_asks_which(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    data = when("2027-10-31", "01", "30", title="Twice")
    page = post_form("/admin/releases/new", data).get_data(as_text=True)
    assert "happens twice in Europe/London" in page
    assert 'name="embargo_fold"' in page
    response = post_form("/admin/releases/new", {**data, "embargo_fold": "later"})
    assert response.status_code == 302
    made = session.scalars(select(Release).where(Release.title == "Twice")).one()
    assert made.embargo_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # GMT, after the change


def test_moving_the_embargo_later_lists_the_posts_moved(
    client: FlaskClient,
    session: Session,
    factory: Factory,
    release: Release,
    signed_in_as: SignInAs,
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    channel = factory.channel("StatsWales")
    author = factory.grant(
        factory.user(Role.AUTHOR, email="release.author@example.gov.uk"),
        [channel],
        AccessRole.AUTHOR,
    )
    approver = factory.grant(
        factory.user(Role.APPROVER, email="release.approver@example.gov.uk"),
        [channel],
        AccessRole.APPROVER,
    )
    for person in (author, approver):
        grant_release_access(session, release, user=person, by=None, now=factory.now)
    post = factory.post(channel, author, release=release, send_at=release.embargo_at)
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    session.flush()
    path = f"/admin/releases/{release.id}"
    response = post_form(f"{path}/embargo", when("2027-03-12", "10", "30"), page=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert f"1 post moved with it to that time: post {post.id} on @StatsWales" in page
    session.refresh(post)
    assert post.send_at == datetime(2027, 3, 12, 10, 30, tzinfo=UTC)
    assert post.state is PostState.SCHEDULED


def test_moving_the_embargo_into_the_past_is_refused_beside_the_field(
    client: FlaskClient, release: Release, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    path = f"/admin/releases/{release.id}"
    last_month = (datetime.now(UTC) - timedelta(days=30)).date()
    page = post_form(
        f"{path}/embargo", when(last_month.isoformat(), "10", "30"), page=path
    ).get_data(as_text=True)
    assert "The embargo cannot be moved into the past" in page
    assert f'value="{last_month.year}"' in page


def test_access_list_and_who_viewed_the_text_early(
    client: FlaskClient,
    session: Session,
    factory: Factory,
    release: Release,
    signed_in_as: SignInAs,
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    channel = factory.channel("StatsWales")
    author = factory.grant(
        factory.user(Role.AUTHOR, email="early.reader@example.gov.uk"), [channel], AccessRole.AUTHOR
    )
    post = factory.post(channel, author, release=release)
    path = f"/admin/releases/{release.id}"
    response = post_form(f"{path}/access", {"email": author.email}, page=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    read_text(session, post, reader=author, now=factory.now)
    session.flush()
    page = client.get(path).get_data(as_text=True)
    viewings = page.split('id="embargo-viewings"')[1]
    assert author.display_name in viewings
    assert f"Post {post.id}" in viewings
    unknown = post_form(f"{path}/access", {"email": "nobody@example.gov.uk"}, page=path)
    assert "No user with e-mail" in unknown.get_data(as_text=True)
    response = post_form(f"{path}/access/revoke", {"email": author.email}, page=path)
    assert response.status_code == 302
    assert author.id not in [entry.user_id for entry in release_access_list(session, release)]
