"""The queue page: who sees what, filters, keyset pages, embargoed text, constant query count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from scheduler.core.database import Database
from scheduler.core.local_time import describe
from scheduler.models import AccessRole, PostState, Role, User
from tests.support.factories import NOW, Factory
from tests.support.query_count import counting_queries
from tests.web.conftest import fetch


def test_anonymous_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/queue")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_authors_see_their_channels_posts_and_not_others(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    mine, other = factory.channel("ons"), factory.channel("dhsc")
    author = factory.author(mine)
    factory.post(mine, author, text="Inflation fell to 2.1% in the year to February")
    stranger = factory.author(other)
    factory.post(other, stranger, text="Hospital waiting lists are published today")
    signed_in(author)

    html = fetch(client, "/queue").get_data(as_text=True)

    assert "Inflation fell to 2.1%" in html
    assert "@ons" in html
    assert "Hospital waiting lists" not in html


def test_admins_see_every_post(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    factory.post(channel, factory.author(channel), text="Retail sales rose in January")
    signed_in(factory.user(Role.ADMIN))

    assert "Retail sales rose" in fetch(client, "/queue").get_data(as_text=True)


def test_embargoed_text_is_never_listed_even_for_the_access_list(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    release = factory.release(access=[author], title="Labour market")
    factory.post(channel, author, text="Unemployment rose to 4.4%", release=release)
    signed_in(author)

    html = fetch(client, "/queue").get_data(as_text=True)

    assert "Unemployment rose" not in html
    assert "Embargoed until Fri 12 Mar 2027 09:30 GMT" in html


def test_filters_by_state_channel_release_dates_and_mine(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    ons, ons_cy = factory.channel("ons"), factory.channel("ons_cy")
    author = factory.author(ons, ons_cy)
    colleague = factory.author(ons)
    approver = factory.approver(ons)
    scheduled = factory.post(ons, author, text="Scheduled one", send_at=NOW + timedelta(days=3))
    factory.move(scheduled, PostState.SCHEDULED, approvers=[approver])
    factory.post(ons_cy, author, text="Welsh draft", send_at=NOW + timedelta(days=9))
    factory.post(ons, colleague, text="Colleague draft")
    signed_in(author)

    def listed(query: str) -> str:
        return fetch(client, "/queue?" + query).get_data(as_text=True)

    assert "Welsh draft" not in listed("state=scheduled")
    assert "Scheduled one" in listed("state=scheduled")
    assert "Scheduled one" not in listed(f"channel={ons_cy.id}")
    assert "Welsh draft" in listed(f"channel={ons_cy.id}")
    html = listed("from=2027-03-18&to=2027-03-20")
    assert "Welsh draft" in html
    assert "Scheduled one" not in html
    assert "Colleague draft" not in listed("mine=1")
    assert "Colleague draft" in listed("")


def test_a_bad_filter_says_what_to_fix(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    signed_in(factory.author(factory.channel()))

    html = fetch(client, "/queue?from=2027-02-30&state=lost").get_data(as_text=True)

    assert "<title>Error: Queue \u2013 Gatepost</title>" in html
    assert "Send date from must be a real date" in html
    assert "Choose a state from the list" in html


def test_pages_follow_a_cursor_without_repeating_posts(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    posts = [factory.post(channel, author, text=f"Numbered post {n:03d}") for n in range(55)]
    signed_in(author)

    first = fetch(client, "/queue").get_data(as_text=True)
    assert "Numbered post 054" in first
    assert "Numbered post 004" not in first
    assert f"/queue?before={posts[5].id}" in first

    second = fetch(client, f"/queue?before={posts[5].id}").get_data(as_text=True)
    assert "Numbered post 004" in second
    assert "Numbered post 005" not in second
    assert "Older posts" not in second


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.ADMIN])
def test_the_query_count_does_not_grow_with_the_posts(
    client: FlaskClient,
    factory: Factory,
    database: Database,
    signed_in: Callable[[User], User],
    role: Role,
) -> None:
    channels = [factory.channel() for _ in range(5)]
    person = factory.user(role)
    if role is Role.AUTHOR:
        factory.grant(person, channels, AccessRole.AUTHOR)
    authors = [factory.author(channel) for channel in channels]
    release = factory.release()

    def add_posts(count: int) -> None:
        for n in range(count):
            channel = channels[n % 5]
            factory.post(channel, authors[n % 5], release=release if n % 2 else None)

    def queries() -> int:
        with counting_queries(database.engine) as counter:
            assert fetch(client, "/queue").status_code == 200
        return counter.count

    signed_in(person)
    add_posts(5)
    few = queries()
    add_posts(45)
    many = queries()

    assert few == many


def test_the_date_filter_is_the_gov_uk_date_input_and_keeps_what_was_typed(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    factory.post(channel, author, text="Early one", send_at=NOW + timedelta(days=3))
    factory.post(channel, author, text="Late one", send_at=NOW + timedelta(days=9))
    signed_in(author)

    form = fetch(client, "/queue").get_data(as_text=True)
    assert 'type="date"' not in form
    for box in ("from-day", "from-month", "from-year", "to-day", "to-month", "to-year"):
        assert f'name="{box}"' in form
    query = "from-day=18&from-month=Mar&from-year=2027&to-day=20&to-month=3&to-year=2027"
    html = fetch(client, f"/queue?{query}").get_data(as_text=True)
    assert "Late one" in html
    assert "Early one" not in html
    assert 'value="Mar"' in html
    wrong = fetch(client, "/queue?from-day=30&from-month=2&from-year=2027&state=lost")
    page = wrong.get_data(as_text=True)
    assert "Send date from must be a real date" in page
    assert 'href="#from-day"' in page
    assert 'value="30"' in page
    half = fetch(client, "/queue?to-day=3&to-year=2027").get_data(as_text=True)
    assert "Send date to must include a month" in half
    assert 'href="#to-month"' in half


def test_published_posts_say_when_they_went_out_and_the_rest_when_planned(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = factory.approver(channel)
    went = factory.post(channel, author, text="Went out", send_at=NOW + timedelta(days=1))
    factory.move(went, PostState.SCHEDULED, approvers=[approver])
    factory.worker_sets(went, PostState.PUBLISHED)
    factory.post(channel, author, text="Still to go", send_at=NOW + timedelta(days=2))
    factory.post(channel, author, text="No time yet")
    signed_in(author)

    html = fetch(client, "/queue").get_data(as_text=True)
    assert "Published or planned" in html
    assert f"Published {describe(NOW, factory.settings.timezone)}" in html
    planned = describe(NOW + timedelta(days=2), factory.settings.timezone)
    assert f"Planned for {planned}" in html
    assert "No time set" in html
