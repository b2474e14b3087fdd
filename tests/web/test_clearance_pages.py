"""Compose, inbox and post pages: who may use them, what they change, and their refusals."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.clearance import edit_post, request_changes
from scheduler.core.database import Database
from scheduler.models import Post, PostState, User, utcnow
from scheduler.platforms.base import Account, PublishRequest
from scheduler.platforms.registry import get_platform
from tests.support.factories import Factory
from tests.support.query_count import counting_queries
from tests.support.totp import enrol, enrolled_approver
from tests.web.conftest import csrf_token_from

SignIn = Callable[[User], TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


def token(client: FlaskClient, path: str) -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def act(client: FlaskClient, post: Post, action: str, **data: object) -> TestResponse:
    form = {"csrf_token": token(client, f"/posts/{post.id}"), "expected_version": post.version}
    form.update(data)
    return client.post(f"/posts/{post.id}/{action}", data=form)


@pytest.mark.parametrize("path", ["/compose", "/inbox", "/posts/1"])
def test_anonymous_people_are_sent_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_author_saves_a_draft_with_its_welsh_twin(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    sign_in_fully(author)
    page = client.get("/compose").get_data(as_text=True)
    assert f"@{english.handle}" in page

    response = client.post(
        "/compose",
        data={
            "csrf_token": csrf_token_from(page),
            "channel": str(english.id),
            "text": "New figures out today",
            "twin_text": "Ffigurau newydd heddiw",
            "release": "",
            "intent": "draft",
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    post = factory.session.get(Post, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert post is not None
    assert post.state is PostState.DRAFT
    assert post.twin is not None
    assert post.twin.text == "Ffigurau newydd heddiw"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "New figures out today" in shown
    assert "Draft saved" in shown


def compose(client: FlaskClient, channel_id: int, **fields: str) -> TestResponse:
    data = {
        "csrf_token": token(client, "/compose"),
        "channel": str(channel_id),
        "text": "Figures",
        "release": "",
        "intent": "draft",
    }
    data.update(fields)
    return client.post("/compose", data=data)


def test_a_time_the_clocks_skip_is_refused_and_the_text_kept(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))
    year = utcnow().year + 1

    response = compose(
        client,
        channel.id,
        text="Kept text",
        **{
            "send_date-day": "28" if year == 2027 else "29",
            "send_date-month": "3",
            "send_date-year": str(year),
            "send_time-hour": "1",
            "send_time-minute": "30",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "does not exist" in page
    assert "Kept text" in page
    assert "<title>Error: " in page


def test_a_time_the_clocks_repeat_asks_which_one(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))
    fields = {
        "send_date-day": "31",
        "send_date-month": "10",
        "send_date-year": "2027",
        "send_time-hour": "1",
        "send_time-minute": "30",
    }

    asked = compose(client, channel.id, **fields)
    assert asked.status_code == 400
    assert "happens twice" in asked.get_data(as_text=True)
    assert 'name="send_fold"' in asked.get_data(as_text=True)

    chosen = compose(client, channel.id, send_fold="later", **fields)
    assert chosen.status_code == 302
    post = factory.session.get(Post, int(chosen.headers["Location"].rsplit("/", 1)[1]))
    assert post is not None
    assert post.send_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_a_send_time_before_the_embargo_is_refused(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    release = factory.release(access=[author], embargo_at=datetime(2027, 6, 10, 8, 30, tzinfo=UTC))
    sign_in_fully(author)

    response = compose(
        client,
        channel.id,
        release=str(release.id),
        **{
            "send_date-day": "10",
            "send_date-month": "6",
            "send_date-year": "2027",
            "send_time-hour": "9",
            "send_time-minute": "0",
        },
    )

    assert response.status_code == 400
    assert "embargo" in response.get_data(as_text=True)


def test_preview_shows_both_texts_and_their_length(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    english, welsh = factory.twin_channels()
    sign_in_fully(factory.author(english, welsh))

    response = compose(client, english.id, text="Hello", twin_text="Helo", intent="preview")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "5 of 280" in page
    assert "4 of 280" in page
    assert factory.session.query(Post).count() == 0


def test_the_length_endpoint_counts_by_the_platform_rules(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    other = factory.channel()
    sign_in_fully(factory.author(channel))
    headers = {"X-CSRFToken": token(client, "/compose")}

    counted = client.post(
        "/compose/length", json={"channel": channel.id, "text": "日本"}, headers=headers
    )
    refused = client.post(
        "/compose/length", json={"channel": other.id, "text": "x"}, headers=headers
    )
    no_token = client.post("/compose/length", json={"channel": channel.id, "text": "x"})

    assert counted.get_json()["length"] == 4  # CJK characters weigh two
    assert refused.status_code == 403
    assert no_token.status_code == 400


def test_someone_without_author_access_cannot_compose(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    factory.channel()
    sign_in_fully(factory.user())
    assert client.get("/compose").status_code == 403


def test_the_post_page_refuses_people_without_channel_access(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel))
    sign_in_fully(factory.author(factory.channel()))

    assert client.get(f"/posts/{post.id}").status_code == 403
    assert client.get("/posts/999999").status_code == 404


def test_an_author_has_no_approve_button_and_a_forged_approval_is_refused(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.grant(factory.user("approver"), [channel], "author", "approver")
    enrol(factory.session, author)
    post = factory.post(channel, author)
    factory.move(post, PostState.IN_REVIEW)
    sign_in_fully(author)

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f"/posts/{post.id}/approve" not in page

    forged = act(client, post, "approve")
    assert forged.status_code == 403
    assert "nobody clears their own post" in forged.get_data(as_text=True)
    assert post.state is PostState.IN_REVIEW


def test_a_post_action_without_a_csrf_token_is_refused(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author)
    sign_in_fully(author)

    response = client.post(f"/posts/{post.id}/submit", data={"expected_version": post.version})

    assert response.status_code == 400
    assert post.state is PostState.DRAFT


def test_a_stale_version_gives_a_conflict_message(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author)
    sign_in_fully(author)

    response = act(client, post, "submit", expected_version=post.version - 1)

    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)


def test_an_approver_clears_from_the_inbox_oldest_first_with_changes_shown(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = enrolled_approver(factory, channel)
    older = factory.post(channel, author, text="The older post")
    factory.move(older, PostState.IN_REVIEW)
    newer = factory.post(channel, author, text="Unemployment fell to 4%")
    factory.move(newer, PostState.IN_REVIEW)
    other = enrolled_approver(factory, channel)
    request_changes(factory.session, newer, by=other, comment="Say when", settings=factory.settings)
    edit_post(
        factory.session,
        newer,
        by=author,
        settings=factory.settings,
        text="Unemployment fell to 4% in May",
    )
    factory.move(newer, PostState.IN_REVIEW)
    newer.submitted_at = older.submitted_at + timedelta(seconds=1)  # type: ignore[operator]
    factory.session.flush()
    sign_in_fully(approver)

    page = client.get("/inbox").get_data(as_text=True)
    assert page.index("The older post") < page.index("Unemployment")
    assert re.search(r'<ins class="gp-diff__added">.*added: </span>\s*in May</ins>', page)

    inbox_token = csrf_token_from(page)
    response = client.post(
        f"/posts/{older.id}/approve",
        data={"csrf_token": inbox_token, "expected_version": older.version, "back": "inbox"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"
    factory.session.expire_all()
    assert older.state is PostState.APPROVED
    assert "The older post" not in client.get("/inbox").get_data(as_text=True)


def test_the_inbox_is_for_approvers(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    sign_in_fully(factory.author(factory.channel()))
    assert client.get("/inbox").status_code == 403


def test_twins_are_cleared_as_one_unit_from_the_inbox(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = enrolled_approver(factory, english, welsh)
    post = factory.post(english, author, text="English text", twin_text="Testun Cymraeg")
    factory.move(post, PostState.IN_REVIEW)
    sign_in_fully(approver)

    page = client.get("/inbox").get_data(as_text=True)
    assert "English text" in page
    assert "Testun Cymraeg" in page
    assert page.count("/approve") == 1

    act(client, post, "approve")
    factory.session.expire_all()
    assert post.state is PostState.APPROVED
    assert post.twin is not None
    assert post.twin.state is PostState.APPROVED


def test_embargoed_text_is_hidden_from_people_outside_the_release_list(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    release = factory.release(access=[author], embargo_at=utcnow() + timedelta(days=3))
    post = factory.post(channel, author, text="Secret figures", release=release)
    factory.move(post, PostState.IN_REVIEW)
    outsider = enrolled_approver(factory, channel)
    sign_in_fully(outsider)

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Secret figures" not in page
    assert "Embargoed until" in page
    assert "Secret figures" not in client.get("/inbox").get_data(as_text=True)

    refused = act(client, post, "approve")
    assert refused.status_code == 403
    assert "pre-release access list" in refused.get_data(as_text=True)


def test_an_approver_requests_changes_with_a_comment(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel))
    factory.move(post, PostState.IN_REVIEW)
    sign_in_fully(enrolled_approver(factory, channel))

    missing = act(client, post, "request_changes", comment="")
    assert missing.status_code == 400
    assert "Say what needs to change" in missing.get_data(as_text=True)

    done = act(client, post, "request_changes", comment="Add the source")
    assert done.status_code == 302
    factory.session.expire_all()
    assert post.state is PostState.DRAFT
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Add the source" in page
    # The history says what happened in words, as the audit trail page does.
    assert "Sent back: In review to draft" in page


def test_an_author_edits_a_post_through_compose(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author, text="Before")
    sign_in_fully(author)
    page = client.get(f"/compose/{post.id}").get_data(as_text=True)
    assert "Before" in page

    response = client.post(
        f"/compose/{post.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "channel": str(channel.id),
            "text": "After",
            "release": "",
            "expected_version": post.version - 1,
            "intent": "draft",
        },
    )
    assert response.status_code == 400
    assert "changed by someone else" in response.get_data(as_text=True)
    assert "After" in response.get_data(as_text=True)
    factory.session.expire_all()
    assert post.text == "Before"

    saved = client.post(
        f"/compose/{post.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "channel": str(channel.id),
            "text": "After",
            "release": "",
            "expected_version": post.version,
            "intent": "submit",
        },
    )
    assert saved.status_code == 302
    factory.session.expire_all()
    assert post.text == "After"
    assert post.state is PostState.IN_REVIEW


def test_an_approver_who_rewrote_a_post_through_compose_cannot_approve_it(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel), text="The author's words")
    lead = enrolled_approver(factory, channel)
    factory.grant(lead, [channel], "author")
    sign_in_fully(lead)
    page = client.get(f"/compose/{post.id}").get_data(as_text=True)
    saved = client.post(
        f"/compose/{post.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "channel": str(channel.id),
            "text": "The lead's words",
            "release": "",
            "expected_version": post.version,
            "intent": "submit",
        },
    )
    assert saved.status_code == 302
    factory.session.expire_all()
    assert post.state is PostState.IN_REVIEW

    shown = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f"/posts/{post.id}/approve" not in shown
    forged = act(client, post, "approve")
    assert forged.status_code == 403
    assert (
        "You changed this post&#39;s text since it was last approved; someone who did not write "
        "it must clear it" in forged.get_data(as_text=True)
    )
    factory.session.expire_all()
    assert post.state is PostState.IN_REVIEW
    assert "The lead" not in client.get("/inbox").get_data(as_text=True)


def test_someone_else_cannot_edit_a_post_on_a_channel_they_cannot_write_on(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel))
    sign_in_fully(factory.author(factory.channel()))

    assert client.get(f"/compose/{post.id}").status_code == 403


def published_post(factory: Factory) -> tuple[Post, User]:
    channel = factory.channel()
    approver = enrolled_approver(factory, channel)
    post = factory.post(channel, factory.author(channel))
    factory.move(post, PostState.APPROVED, approvers=[approver])
    result = get_platform("mock", factory.settings).publish(
        PublishRequest(
            account=Account(channel.handle), text=post.text, idempotency_key=post.idempotency_key
        )
    )
    post.state = PostState.PUBLISHED
    post.external_id = result.external_id
    post.published_at = result.published_at
    factory.session.flush()
    return post, approver


def test_an_approver_removes_a_published_post_with_a_reason(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    post, approver = published_post(factory)
    sign_in_fully(approver)
    assert "Remove from the platform" in client.get(f"/posts/{post.id}").get_data(as_text=True)

    missing = act(client, post, "remove", reason="")
    assert missing.status_code == 400
    assert "Give the reason" in missing.get_data(as_text=True)

    done = act(client, post, "remove", reason="Wrong figure in the second sentence")
    assert done.status_code == 302
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Removed from the platform" in page
    assert "Wrong figure in the second sentence" in page
    factory.session.expire_all()
    assert post.state is PostState.REMOVED


def test_a_platform_refusing_the_removal_is_shown_and_nothing_changes(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    post, approver = published_post(factory)
    post.external_id = "mock-gone-already"
    factory.session.flush()
    sign_in_fully(approver)

    response = act(client, post, "remove", reason="Typo")

    assert response.status_code == 400
    assert "still published" in response.get_data(as_text=True)
    factory.session.expire_all()
    assert post.state is PostState.PUBLISHED


def test_authors_are_not_offered_removal_and_cannot_force_it(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    post, _approver = published_post(factory)
    sign_in_fully(post.author)

    assert "Remove from the platform" not in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert act(client, post, "remove", reason="Mine").status_code == 403


def test_an_admin_grants_an_override_and_others_cannot(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author)
    sign_in_fully(author)
    assert "Grant an override" not in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert act(client, post, "override", reason="Urgent").status_code == 403

    client.post("/sign-out", data={"csrf_token": token(client, f"/posts/{post.id}")})
    admin = factory.user("admin")
    enrol(factory.session, admin)
    sign_in_fully(admin)
    assert "Grant an override" in client.get(f"/posts/{post.id}").get_data(as_text=True)
    done = act(client, post, "override", reason="Public safety message")
    assert done.status_code == 302
    assert "Override granted" in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_an_unknown_action_is_not_found(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author)
    sign_in_fully(author)
    assert act(client, post, "explode").status_code == 404


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(out, format="PNG")
    return out.getvalue()


def test_an_image_needs_alt_text_and_consent_for_people_and_nothing_typed_is_lost(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    def upload(**fields: object) -> TestResponse:
        data: dict[str, object] = {
            "csrf_token": token(client, "/compose"),
            "channel": str(channel.id),
            "text": "A photo from the launch",
            "release": "",
            "intent": "draft",
            "image": (io.BytesIO(png_bytes()), "launch.png"),
        }
        data.update(fields)
        return client.post("/compose", data=data, content_type="multipart/form-data")

    no_alt = upload(alt_text="")
    assert no_alt.status_code == 400
    assert "alt text" in no_alt.get_data(as_text=True)
    assert "A photo from the launch" in no_alt.get_data(as_text=True)
    assert factory.session.query(Post).count() == 0

    no_consent = upload(alt_text="The minister cutting a ribbon", shows_people="y")
    assert no_consent.status_code == 400
    assert "agreed" in no_consent.get_data(as_text=True)
    assert "The minister cutting a ribbon" in no_consent.get_data(as_text=True)

    saved = upload(alt_text="The minister cutting a ribbon", shows_people="y", consent="y")
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The minister cutting a ribbon" in page
    assert "consent recorded" in page


def test_changes_are_requested_from_the_inbox_with_a_comment(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel), text="Needs a source")
    factory.move(post, PostState.IN_REVIEW)
    sign_in_fully(enrolled_approver(factory, channel))
    page = client.get("/inbox").get_data(as_text=True)
    assert f'for="comment-{post.id}"' in page

    response = client.post(
        f"/posts/{post.id}/request_changes",
        data={
            "csrf_token": csrf_token_from(page),
            "expected_version": post.version,
            "comment": "Name the survey",
            "back": "inbox",
        },
    )

    assert response.headers["Location"] == "/inbox"
    factory.session.expire_all()
    assert post.state is PostState.DRAFT
    assert "Needs a source" not in client.get("/inbox").get_data(as_text=True)


def test_a_made_up_inbox_page_is_refused(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    sign_in_fully(enrolled_approver(factory, factory.channel()))
    assert client.get("/inbox?after=yesterday_x").status_code == 400


def test_the_inbox_query_count_does_not_grow_with_the_units(
    client: FlaskClient, factory: Factory, database: Database, sign_in_fully: SignIn
) -> None:
    english, welsh = factory.twin_channels()
    plain = factory.channel()
    author = factory.author(english, welsh, plain)
    reviewer = enrolled_approver(factory, english, welsh, plain)
    approver = enrolled_approver(factory, english, welsh, plain)

    def add_units(count: int) -> None:
        for number in range(count):
            if number % 2:
                post = factory.post(english, author, text=f"English {number}", twin_text="Cymraeg")
            else:
                post = factory.post(plain, author, text=f"Plain {number}")
            factory.move(post, PostState.IN_REVIEW)
            # Sent back once and edited: the inbox shows what changed since that review.
            request_changes(
                factory.session, post, by=reviewer, comment="Say when", settings=factory.settings
            )
            edit_post(
                factory.session,
                post,
                by=author,
                settings=factory.settings,
                text=f"{post.text} in May",
            )
            factory.move(post, PostState.IN_REVIEW)

    def queries() -> int:
        with counting_queries(database.engine) as counter:
            page = client.get("/inbox").get_data(as_text=True)
        assert '<ins class="gp-diff__added">' in page
        return counter.count

    sign_in_fully(approver)
    add_units(2)
    few = queries()
    add_units(10)

    assert queries() == few
