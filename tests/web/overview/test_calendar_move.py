"""Moving a post from the calendar through its form: what the confirmation says, approvals voided
and audited as any edit, a stale version refused, people who may not edit it refused, CSRF; and
the slots' links to compose."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.clearance import edit_post
from scheduler.clearance.counting import live_approvals
from scheduler.models import AuditEvent, Post, PostState, User
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from, fetch

SCHEDULED_AT = datetime(2027, 3, 24, 14, tzinfo=UTC)


def scheduled_post(factory: Factory) -> tuple[Post, User, User]:
    """Return a post scheduled with one approval, its author and its approver."""
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.post(channel, author, text="Prices rose", send_at=SCHEDULED_AT)
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    return post, author, approver


def move_form(client: FlaskClient, post: Post, query: str = "") -> str:
    response = fetch(client, f"/calendar/posts/{post.id}/move{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def fields(day: int, hour: int, minute: int = 0, **extra: object) -> dict[str, object]:
    return {
        "send_date-day": str(day),
        "send_date-month": "3",
        "send_date-year": "2027",
        "send_time-hour": f"{hour:02d}",
        "send_time-minute": f"{minute:02d}",
        **extra,
    }


def test_the_confirmation_says_the_move_sends_it_back_and_voids_its_approval(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    post, author, _ = scheduled_post(factory)
    signed_in(author)

    html = move_form(client, post, "?view=week&date=2027-03-25&time=10:00")

    assert "Moving it sends it back to draft and its 1 approval stops counting" in html
    # The slot dragged to is filled in; the version seen is sent back with the form.
    assert 'name="send_date-day" type="text" inputmode="numeric" value="25"' in html
    assert 'name="send_time-hour" type="text" inputmode="numeric" value="10"' in html
    assert f'name="expected_version" value="{post.version}"' in html
    assert 'name="back_view" value="week"' in html


def test_without_a_slot_the_form_starts_from_the_post_s_own_time(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    post, author, _ = scheduled_post(factory)
    signed_in(author)

    html = move_form(client, post)

    assert 'name="send_date-day" type="text" inputmode="numeric" value="24"' in html
    assert 'name="send_time-hour" type="text" inputmode="numeric" value="14"' in html


def test_moving_voids_the_approvals_and_is_audited_as_an_edit(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    post, author, _ = scheduled_post(factory)
    signed_in(author)
    token = csrf_token_from(move_form(client, post))

    response = client.post(
        f"/calendar/posts/{post.id}/move",
        data=fields(25, 10, csrf_token=token, expected_version=post.version, back_view="day"),
    )

    assert response.status_code == 302
    assert response.headers["Location"] == (f"/calendar?view=day&date=2027-03-25#post-{post.id}")
    session.expire_all()
    assert post.state is PostState.DRAFT
    assert post.send_at == datetime(2027, 3, 25, 10, tzinfo=UTC)
    assert live_approvals(post) == []
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.post_id == post.id).order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert (event.action, event.from_state, event.to_state, event.actor_id) == (
        "edit",
        "scheduled",
        "draft",
        author.id,
    )
    assert event.details["changed"] == ["send_at"]
    page = fetch(client, response.headers["Location"]).get_data(as_text=True)
    assert "Moved to Thu 25 Mar 2027 10:00 GMT." in page
    assert "must be submitted for clearance" in page


def test_a_stale_version_gets_a_conflict_and_nothing_moves(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    post, author, _ = scheduled_post(factory)
    signed_in(author)
    token = csrf_token_from(move_form(client, post))
    seen = post.version
    # Someone else edits it after the form was opened.
    edit_post(session, post, by=author, settings=factory.settings, text="Prices rose again")
    session.flush()

    response = client.post(
        f"/calendar/posts/{post.id}/move",
        data=fields(25, 10, csrf_token=token, expected_version=seen),
    )

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed by someone else since you opened it" in html
    # The page now shows the post as it is, and confirming again acts on that version.
    session.expire_all()
    assert f'name="expected_version" value="{post.version}"' in html
    assert post.send_at == SCHEDULED_AT


def test_people_who_may_not_edit_the_post_cannot_move_it(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    post, _, approver = scheduled_post(factory)
    signed_in(approver)  # an approver of the channel, without author access to it

    assert fetch(client, f"/calendar/posts/{post.id}/move").status_code == 403
    calendar = fetch(client, "/calendar?view=week&date=2027-03-24").get_data(as_text=True)
    token = csrf_token_from(calendar)
    response = client.post(
        f"/calendar/posts/{post.id}/move",
        data=fields(25, 10, csrf_token=token, expected_version=post.version),
    )

    assert response.status_code == 403
    assert "author access to @ons" in response.get_data(as_text=True)
    assert f"/calendar/posts/{post.id}/move" not in calendar  # no Move link offered
    session.expire_all()
    assert post.state is PostState.SCHEDULED


def test_a_published_post_cannot_be_moved(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    post, author, _ = scheduled_post(factory)
    factory.worker_sets(post, PostState.PUBLISHED)
    signed_in(author)

    response = fetch(client, f"/calendar/posts/{post.id}/move")

    assert response.status_code == 409
    assert "This post is published, so it can no longer be moved" in response.get_data(as_text=True)


def test_an_embargoed_post_cannot_move_before_its_embargo(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    release = factory.release(
        access=[author], embargo_at=datetime(2027, 3, 25, 9, 30, tzinfo=UTC), title="GDP"
    )
    post = factory.post(
        channel, author, text="GDP grew", release=release, send_at=release.embargo_at
    )
    signed_in(author)
    html = move_form(client, post)
    assert "It cannot go before the embargo of GDP, Thu 25 Mar 2027 09:30 GMT." in html
    assert "GDP grew" not in html  # the calendar's pages never show embargoed text

    response = client.post(
        f"/calendar/posts/{post.id}/move",
        data=fields(25, 9, csrf_token=csrf_token_from(html), expected_version=post.version),
    )

    assert response.status_code == 400
    assert "is before the embargo of &#39;GDP&#39;" in response.get_data(as_text=True)
    session.expire_all()
    assert post.send_at == release.embargo_at


def test_a_move_without_the_csrf_token_is_refused(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    post, author, _ = scheduled_post(factory)
    signed_in(author)

    response = client.post(
        f"/calendar/posts/{post.id}/move", data=fields(25, 10, expected_version=post.version)
    )

    assert response.status_code == 400
    session.expire_all()
    assert post.state is PostState.SCHEDULED


def test_slots_link_to_compose_only_for_people_who_may_write(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    _, author, approver = scheduled_post(factory)
    signed_in(author)

    week = fetch(client, "/calendar?view=week&date=2027-03-24").get_data(as_text=True)
    month = fetch(client, "/calendar?view=month&date=2027-03-24").get_data(as_text=True)

    assert 'href="/compose?date=2027-03-24&amp;time=15:00"' in week
    assert "/compose?date=2027-03-28&amp;time=01:00" not in week  # the hour the clocks skip
    assert 'href="/compose?date=2027-03-24"' in month
    client.post("/sign-out", data={"csrf_token": csrf_token_from(week)})
    signed_in(approver)
    week = fetch(client, "/calendar?view=week&date=2027-03-24").get_data(as_text=True)
    assert "/compose?date=" not in week


def test_compose_starts_from_the_slot_s_local_date_and_time(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    signed_in(factory.author(factory.channel()))

    html = fetch(client, "/compose?date=2027-10-31&time=01:00&fold=later").get_data(as_text=True)
    day_only = fetch(client, "/compose?date=2027-03-24").get_data(as_text=True)
    nonsense = fetch(client, "/compose?date=2027-02-30&time=25:00").get_data(as_text=True)

    assert 'name="send_date-day" type="text" inputmode="numeric" value="31"' in html
    assert 'name="send_time-hour" type="text" inputmode="numeric" value="01"' in html
    # 01:00 happens twice that night: the slot said which, and the choice shows it made.
    assert re.search(r'value="later"\s+checked', html)
    assert 'name="send_date-day" type="text" inputmode="numeric" value="24"' in day_only
    assert 'name="send_time-hour" type="text" inputmode="numeric" value=""' in day_only
    assert 'name="send_date-day" type="text" inputmode="numeric" value=""' in nonsense
