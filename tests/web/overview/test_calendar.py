"""Calendar pages: week and month, clock changes, holidays, embargoes, navigation, query count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from config import Settings, load_settings
from scheduler.core.database import Database
from scheduler.models import PostState, Role, User
from scheduler.reports.calendar import calendar_days
from tests.support.factories import Factory
from tests.support.query_count import counting_queries
from tests.web.conftest import fetch


def test_anonymous_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/calendar")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_the_week_of_the_spring_clock_change(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.post(
        channel, author, text="Easter figures", send_at=datetime(2027, 3, 28, 10, 0, tzinfo=UTC)
    )
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    signed_in(author)

    html = fetch(client, "/calendar?view=week&date=2027-03-28").get_data(as_text=True)

    assert "Week of Mon 22 Mar 2027" in html
    assert "Clocks go forward:</strong> this day has 23 hours" in html
    assert "Good Friday" in html
    assert "11:00 BST @ons, post" in html  # 10:00 UTC is 11:00 BST
    assert "Easter figures" in html
    assert "date=2027-03-15" in html
    assert "date=2027-03-29" in html


def test_the_month_view_is_a_table_with_the_autumn_change(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    signed_in(factory.author(factory.channel()))

    html = fetch(client, "/calendar?view=month&date=2027-10-12").get_data(as_text=True)

    assert (
        '<th scope="col" class="govuk-table__header"><abbr title="Monday">Mon</abbr></th>' in html
    )
    assert "October 2027" in html
    assert "Clocks go back:</strong> this day has 25 hours" in html
    assert "date=2027-09-01" in html
    assert "date=2027-11-01" in html


def test_embargoed_posts_show_no_text_and_embargoes_are_marked(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    release = factory.release(access=[author, approver], title="Labour market")
    post = factory.post(
        channel, author, text="Jobs at a record", release=release, send_at=release.embargo_at
    )
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    signed_in(author)

    html = fetch(client, "/calendar?date=2027-03-12").get_data(as_text=True)

    assert "Jobs at a record" not in html
    assert "Embargo ends 09:30 GMT:</strong> Labour market" in html
    assert "Embargoed until Fri 12 Mar 2027 09:30 GMT" in html


def test_a_busy_day_in_the_month_links_the_posts_it_does_not_list(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    for minute in range(7):
        post = factory.post(channel, author, send_at=datetime(2027, 3, 11, 10, minute, tzinfo=UTC))
        factory.move(post, PostState.SCHEDULED, approvers=[approver])
    signed_in(author)

    html = fetch(client, "/calendar?view=month&date=2027-03-11").get_data(as_text=True)

    assert html.count('class="gp-calendar__post ') == 5
    assert "2 more posts on this day" in html
    assert "/queue?from=2027-03-11&amp;to=2027-03-11" in html


def test_a_bad_date_says_what_to_fix(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    signed_in(factory.author(factory.channel()))

    html = fetch(client, "/calendar?date=2027-13-01&view=year").get_data(as_text=True)

    assert "<title>Error: Calendar" in html
    assert "The date must be a real date" in html
    assert "Choose the day, week or month view" in html


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_query_count_does_not_grow_with_the_posts(
    client: FlaskClient,
    factory: Factory,
    database: Database,
    signed_in: Callable[[User], User],
    view: str,
) -> None:
    channels = [factory.channel() for _ in range(5)]
    admin = factory.user(Role.ADMIN)
    authors = [factory.author(channel) for channel in channels]
    signed_in(admin)

    def add_posts(count: int) -> None:
        for n in range(count):
            channel = channels[n % 5]
            post = factory.post(
                channel, authors[n % 5], send_at=datetime(2027, 3, 11 + n % 5, 10, tzinfo=UTC)
            )
            factory.move(post, PostState.SCHEDULED, approvers=[admin])

    def queries() -> int:
        with counting_queries(database.engine) as counter:
            assert fetch(client, f"/calendar?view={view}&date=2027-03-12").status_code == 200
        return counter.count

    add_posts(5)
    few = queries()
    add_posts(45)

    assert queries() == few


def test_a_post_due_outside_the_window_shows_when_the_worker_will_send_it(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    friday_evening = factory.post(
        channel, author, text="Late", send_at=datetime(2027, 3, 12, 18, 0, tzinfo=UTC)
    )
    factory.move(friday_evening, PostState.SCHEDULED, approvers=[approver])
    in_hours = factory.post(
        channel, author, text="On time", send_at=datetime(2027, 3, 11, 10, 0, tzinfo=UTC)
    )
    factory.move(in_hours, PostState.SCHEDULED, approvers=[approver])
    signed_in(author)

    html = fetch(client, "/calendar?view=week&date=2027-03-12").get_data(as_text=True)

    assert html.count("Held until") == 1
    assert "Held until Mon 15 Mar 2027 09:00 GMT" in html


def test_the_calendar_shows_the_quiet_periods_of_the_settings_file(
    session: Session, settings: Settings, database: Database, factory: Factory
) -> None:
    configured = load_settings(
        {},
        overrides={
            "instance_path": str(settings.instance_path),
            "database_url": database.url,
            "secret_key": "test-secret-key-that-is-long-enough",
            "quiet_periods": [
                {"name": "Pre-election", "starts": "2027-04-01T00:00", "ends": "2027-05-07T00:00"}
            ],
        },
    )
    [day] = calendar_days(
        session,
        reader=factory.user(Role.ADMIN),
        settings=configured,
        first=date(2027, 4, 6),
        last=date(2027, 4, 6),
        now=datetime(2027, 3, 10, tzinfo=UTC),
    )
    assert [period.name for period in day.quiet_periods] == ["Pre-election"]
