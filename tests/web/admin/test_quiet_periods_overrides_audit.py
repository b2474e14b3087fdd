"""Admin pages for quiet periods, overrides and the audit trail download."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.channels.quiet_periods import add_quiet_period
from scheduler.models import AccessRole, Post, PostState, PublishOverride, QuietPeriod, Role, User
from tests.support.factories import Factory

SignInAs = Callable[[Role], User]
PostForm = Callable[..., TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


@pytest.fixture
def held_post(session: Session, factory: Factory) -> Post:
    channel = factory.channel("StatsWales")
    author = factory.grant(
        factory.user(Role.AUTHOR, email="held.author@example.gov.uk"), [channel], AccessRole.AUTHOR
    )
    approver = factory.grant(
        factory.user(Role.APPROVER, email="held.approver@example.gov.uk"),
        [channel],
        AccessRole.APPROVER,
    )
    post = factory.post(channel, author, send_at=datetime(2027, 3, 13, 7, 0, tzinfo=UTC))
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    post.hold_reason = "Outside office hours (09:00 to 17:30)"
    post.due_at = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
    session.flush()
    return post


def period_form(
    name: str, start: tuple[str, ...], end: tuple[str, ...], **extra: str
) -> dict[str, str]:
    data = {"name": name, "channel": "", "reason": "Purdah", **extra}
    for prefix, (day, month, year, hour, minute) in (("starts", start), ("ends", end)):
        data |= {
            f"{prefix}_date-day": day,
            f"{prefix}_date-month": month,
            f"{prefix}_date-year": year,
            f"{prefix}_time-hour": hour,
            f"{prefix}_time-minute": minute,
        }
    return data


PAGES = ["/admin/quiet-periods", "/admin/overrides", "/admin/overrides/{post}", "/admin/audit"]


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_sign_in(client: FlaskClient, held_post: Post, path: str) -> None:
    response = client.get(path.format(post=held_post.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
@pytest.mark.parametrize("path", PAGES)
def test_only_admins_see_the_pages(
    client: FlaskClient, held_post: Post, signed_in_as: SignInAs, role: Role, path: str
) -> None:
    signed_in_as(role)
    assert client.get(path.format(post=held_post.id)).status_code == 403


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
@pytest.mark.parametrize(
    "path", ["/admin/quiet-periods", "/admin/quiet-periods/1/cancel", "/admin/overrides/{post}"]
)
def test_only_admins_change_anything(
    client: FlaskClient,
    held_post: Post,
    signed_in_as: SignInAs,
    post_form: PostForm,
    role: Role,
    path: str,
) -> None:
    signed_in_as(role)
    response = post_form(
        path.format(post=held_post.id), {"reason": "x", "name": "x"}, page="/account"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path", ["/admin/quiet-periods", "/admin/quiet-periods/1/cancel", "/admin/overrides/{post}"]
)
def test_forms_need_their_csrf_token(
    client: FlaskClient, held_post: Post, signed_in_as: SignInAs, path: str
) -> None:
    signed_in_as(Role.ADMIN)
    assert client.post(path.format(post=held_post.id), data={"reason": "x"}).status_code == 400


def test_an_admin_adds_and_cancels_a_quiet_period(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    data = period_form(
        "Pre-election period", ("1", "4", "2027", "00", "00"), ("7", "5", "2027", "22", "00")
    )
    response = post_form("/admin/quiet-periods", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    period = session.scalars(
        select(QuietPeriod).where(QuietPeriod.name == "Pre-election period")
    ).one()
    # London is on BST in April and May.
    assert period.starts_at == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)
    assert period.ends_at == datetime(2027, 5, 7, 21, 0, tzinfo=UTC)
    assert period.channel_id is None
    page = client.get("/admin/quiet-periods").get_data(as_text=True)
    assert "Pre-election period" in page
    response = post_form(f"/admin/quiet-periods/{period.id}/cancel", page="/admin/quiet-periods")
    assert response.status_code == 302
    assert "cancelled; 0 held posts will go when allowed" in client.get(
        "/admin/quiet-periods"
    ).get_data(as_text=True)
    session.refresh(period)
    assert period.cancelled_at is not None


def test_a_quiet_period_that_ends_before_it_starts_is_refused_beside_the_end(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    data = period_form("Backwards", ("7", "5", "2027", "00", "00"), ("1", "4", "2027", "00", "00"))
    page = post_form("/admin/quiet-periods", data).get_data(as_text=True)
    assert '<a href="#ends_date-day">The quiet period must end after it starts</a>' in page
    assert 'value="Backwards"' in page


def test_a_quiet_period_starting_at_a_time_that_happens_twice_asks_which(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    data = period_form(
        "Clock change", ("31", "10", "2027", "01", "30"), ("31", "10", "2027", "12", "00")
    )
    page = post_form("/admin/quiet-periods", data).get_data(as_text=True)
    assert "happens twice in Europe/London" in page
    assert 'name="starts_fold"' in page
    response = post_form("/admin/quiet-periods", {**data, "starts_fold": "earlier"})
    assert response.status_code == 302
    period = session.scalars(select(QuietPeriod).where(QuietPeriod.name == "Clock change")).one()
    assert period.starts_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # BST, before the change


def test_the_held_posts_and_granting_an_override(
    client: FlaskClient,
    session: Session,
    held_post: Post,
    signed_in_as: SignInAs,
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    page = client.get("/admin/overrides").get_data(as_text=True)
    held = page.split('id="held-posts"')[1]
    assert f"Post {held_post.id}" in held
    assert "Outside office hours" in held
    path = f"/admin/overrides/{held_post.id}"
    refused = post_form(path, {"reason": "  "}).get_data(as_text=True)
    assert "Give the reason for the override" in refused
    response = post_form(path, {"reason": "Urgent flood warning agreed with the press office"})
    assert response.status_code == 302
    page = client.get("/admin/overrides").get_data(as_text=True)
    assert "Override granted" in page
    assert "Urgent flood warning agreed with the press office" in page
    override = session.scalars(
        select(PublishOverride).where(PublishOverride.post_id == held_post.id)
    ).one()
    assert override.content_version == held_post.content_version


def test_the_audit_trail_downloads_filtered(
    client: FlaskClient, session: Session, factory: Factory, held_post: Post, signed_in_as: SignInAs
) -> None:
    admin = signed_in_as(Role.ADMIN)
    form = client.get("/admin/audit")
    assert form.status_code == 200
    assert "There is a problem" not in form.get_data(as_text=True)
    add_quiet_period(
        session,
        by=admin,
        name="Other",
        starts_at=datetime(2027, 4, 1, tzinfo=UTC),
        ends_at=datetime(2027, 4, 2, tzinfo=UTC),
        now=factory.now,
    )
    session.flush()
    response = client.get(f"/admin/audit?download=1&export_format=csv&post_id={held_post.id}")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows
    assert {row["post_id"] for row in rows} == {str(held_post.id)}
    assert {"create", "submit", "approve"} <= {row["action"] for row in rows}
    events = json.loads(
        client.get(
            "/admin/audit?download=1&export_format=json&since-day=10&since-month=3&since-year=2027"
            "&until-day=10&until-month=3&until-year=2027"
        ).get_data(as_text=True)
    )
    assert events
    assert all(event["occurred_at"].startswith("2027-03-10") for event in events)


def test_a_backwards_date_range_is_refused_and_kept(
    client: FlaskClient, signed_in_as: SignInAs
) -> None:
    signed_in_as(Role.ADMIN)
    page = client.get(
        "/admin/audit?download=1&export_format=csv&since-day=10&since-month=3&since-year=2027"
        "&until-day=1&until-month=3&until-year=2027"
    ).get_data(as_text=True)
    assert "The end of the date range must be after its start" in page
    assert 'value="2027"' in page


@pytest.mark.parametrize("post_id", ["2147483648", "99999999999999999999"])
def test_a_post_number_no_post_can_have_is_a_form_error_before_any_download(
    client: FlaskClient, signed_in_as: SignInAs, post_id: str
) -> None:
    signed_in_as(Role.ADMIN)
    response = client.get(f"/admin/audit?download=1&export_format=csv&post_id={post_id}")
    assert response.status_code == 400
    assert "Content-Disposition" not in response.headers
    page = response.get_data(as_text=True)
    assert "Post numbers go from 1 to 2147483647" in page
    assert f'value="{post_id}"' in page


def test_dates_at_the_ends_of_the_calendar_download_everything_between(
    client: FlaskClient, held_post: Post, signed_in_as: SignInAs
) -> None:
    signed_in_as(Role.ADMIN)
    response = client.get(
        "/admin/audit?download=1&export_format=json&since-day=1&since-month=1&since-year=0001"
        "&until-day=31&until-month=12&until-year=9999"
    )
    assert response.status_code == 200
    events = json.loads(response.get_data(as_text=True))
    assert {"create", "submit", "approve"} <= {e["action"] for e in events}
