"""The audit trail page: who may open it, its filters, pages and downloads, and embargoes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from scheduler.clearance import request_changes, submit
from scheduler.models import Role, User
from tests.support.factories import Factory

SignedIn = Callable[[User], User]


def _events(page: str) -> list[str]:
    """Return the "What" cell of each listed event, newest first."""
    return [
        " ".join(re.sub(r"<[^>]+>", "", cell).split())
        for cell in re.findall(r'data-label="What">(.*?)</td>', page, flags=re.S)
    ]


def test_people_who_may_not_see_it_are_refused(
    client: FlaskClient, factory: Factory, signed_in: SignedIn
) -> None:
    channel = factory.channel()
    signed_in(factory.approver(channel))
    response = client.get("/audit")
    assert response.status_code == 403
    assert client.get("/audit/download.csv").status_code == 403


def test_an_owner_sees_their_channels_events_as_words_filtered_by_person(
    client: FlaskClient, session: Session, factory: Factory, signed_in: SignedIn
) -> None:
    owner = factory.user(Role.APPROVER)
    mine, theirs = factory.channel("mine", owner=owner), factory.channel("theirs")
    author = factory.author(mine, theirs)
    approver = factory.approver(mine)
    post = factory.post(mine, author, text="Figures out today")
    submit(session, post, by=author, settings=factory.settings, now=factory.now)
    request_changes(
        session, post, comment="Name the month", by=approver, settings=factory.settings,
        now=factory.now,
    )  # fmt: skip
    hidden = factory.post(theirs, author, text="Elsewhere")
    signed_in(owner)

    page = client.get("/audit").get_data(as_text=True)
    assert "Sent back: In review to draft" in _events(page)
    assert "Name the month" in page
    assert f"Post {hidden.id}<" not in page
    assert "@theirs" not in page  # not even as a filter choice
    only_approver = client.get(f"/audit?person={approver.id}").get_data(as_text=True)
    assert _events(only_approver) == ["Sent back: In review to draft"]
    refused = client.get(f"/audit?channel={theirs.id}")
    assert refused.status_code == 400
    assert "Not a valid choice" in refused.get_data(as_text=True)


def test_pages_older_and_newer_keep_the_filters(
    client: FlaskClient, factory: Factory, signed_in: SignedIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    for number in range(55):
        factory.post(channel, author, text=f"Post {number}")
    signed_in(factory.user(Role.ADMIN))

    first = client.get(f"/audit?person={author.id}").get_data(as_text=True)
    assert len(_events(first)) == 50
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older
    assert "Newer" not in first
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _events(second) == ["Created"] * 5
    assert f"person={author.id}" in older.group(1)
    newer = re.search(r'href="([^"]+)" rel="prev"', second)
    assert newer
    back = client.get(newer.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(_events(back)) == 50
    assert 'rel="prev"' not in back


def test_a_wrong_date_is_shown_with_what_was_typed(
    client: FlaskClient, factory: Factory, signed_in: SignedIn
) -> None:
    signed_in(factory.user(Role.ADMIN))
    response = client.get("/audit?since-day=31&since-month=2&since-year=2027")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "From (inclusive) must be a real date" in page
    assert 'value="31"' in page
    assert "<title>Error: Audit trail" in page
    backwards = client.get(
        "/audit?since-day=10&since-month=3&since-year=2027&until-day=1&until-month=3&until-year=2027"
    ).get_data(as_text=True)
    assert "The end of the date range must be after its start" in backwards


def test_downloads_carry_the_same_filters_and_withhold_embargoed_words(
    client: FlaskClient, session: Session, factory: Factory, signed_in: SignedIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    release = factory.release(access=[author, approver], title="Unemployment 4.4%")
    post = factory.post(channel, author, text="Unemployment rose to 4.4%", release=release)
    submit(session, post, by=author, settings=factory.settings, now=factory.now)
    request_changes(
        session, post, comment="Write 4.4% once", by=approver, settings=factory.settings,
        now=factory.now,
    )  # fmt: skip
    factory.post(channel, author, text="Not embargoed")
    signed_in(factory.user(Role.ADMIN))  # an admin, but not on the release's list

    page = client.get(f"/audit?post_id={post.id}").get_data(as_text=True)
    assert "4.4" not in page
    assert "Withheld until the embargo at" in page
    link = re.search(r'href="(/audit/download\.csv[^"]*)"', page)
    assert link
    download = client.get(link.group(1).replace("&amp;", "&"))
    assert download.headers["Content-Disposition"] == 'attachment; filename="audit.csv"'
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert {row["post_id"] for row in rows} == {str(post.id)}
    assert "4.4" not in download.get_data(as_text=True)
