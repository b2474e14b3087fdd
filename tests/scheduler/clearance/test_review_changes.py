"""What changed since a post was last reviewed."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import add_twin, edit_post, request_changes
from scheduler.clearance.review_changes import (
    DiffPiece,
    review_changes,
    review_changes_of,
    word_diff,
)
from scheduler.models import Post, PostState, User
from tests.support.factories import Factory


def test_word_diff_marks_whole_words_added_and_removed() -> None:
    pieces = word_diff("Unemployment fell to 4%", "Unemployment fell to 4.1% in May")

    assert DiffPiece("removed", "4%") in pieces
    assert DiffPiece("added", "4.1% in May") in pieces
    assert "".join(piece.text for piece in pieces if piece.kind != "removed") == (
        "Unemployment fell to 4.1% in May"
    )


def test_changes_are_shown_against_the_text_sent_back(session: Session, settings: Settings) -> None:
    factory = Factory(session, settings)
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author, text="New figures out today")
    assert review_changes_of(session, post) is None  # never reviewed
    factory.move(post, PostState.IN_REVIEW)
    request_changes(
        session,
        post,
        by=factory.approver(channel),
        comment="Say which figures",
        settings=settings,
        now=factory.now,
    )
    edit_post(
        session,
        post,
        by=author,
        settings=settings,
        text="New jobs figures out today",
        now=factory.now + timedelta(minutes=5),
    )

    changes = review_changes_of(session, post)
    assert changes is not None
    pieces = changes.text
    assert pieces is not None
    assert [piece.text.strip() for piece in pieces if piece.kind == "added"] == ["jobs"]
    assert [piece for piece in pieces if piece.kind == "removed"] == []


def _sent_back(factory: Factory, post: Post, approver: User) -> None:
    factory.move(post, PostState.IN_REVIEW)
    request_changes(
        factory.session,
        post,
        by=approver,
        comment="Change it",
        settings=factory.settings,
        now=factory.now,
    )


def test_send_time_and_channel_changes_are_shown_with_the_text(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel, other = factory.channel("ons"), factory.channel("ons_news")
    author = factory.author(channel, other)
    approver = factory.approver(channel, other)
    first = factory.now + timedelta(days=1)
    post = factory.post(channel, author, text="Figures out", send_at=first)
    _sent_back(factory, post, approver)
    later = factory.now + timedelta(days=2)
    edit_post(
        session,
        post,
        by=author,
        settings=settings,
        send_at=later,
        channel=other,
        now=factory.now + timedelta(minutes=5),
    )

    changes = review_changes_of(session, post)
    assert changes is not None
    assert changes.reviewed.sent_back
    assert changes.text is None
    assert changes.send_at == (first, later)
    assert changes.channel == ("ons", "ons_news")
    assert changes.any


def test_an_approved_post_edited_shows_the_diff_against_the_approved_version(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    post = factory.post(channel, author, text="Prices rose 3%")
    factory.move(post, PostState.APPROVED, approvers=[factory.approver(channel)])
    edit_post(
        session,
        post,
        by=author,
        settings=settings,
        text="Prices rose 3.2%",
        now=factory.now + timedelta(minutes=5),
    )

    changes = review_changes_of(session, post)
    assert changes is not None
    assert not changes.reviewed.sent_back
    assert changes.text == [
        DiffPiece("same", "Prices rose "),
        DiffPiece("removed", "3%"),
        DiffPiece("added", "3.2%"),
    ]
    assert changes.send_at is None
    assert changes.channel is None


def test_the_twin_text_is_diffed_too_and_a_new_twin_is_marked_added(
    session: Session, settings: Settings, factory: Factory
) -> None:
    english, welsh = factory.twin_channels(requires_twin=False)
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    post = factory.post(english, author, text="Prices rose", twin_text="Cododd prisiau")
    assert post.twin is not None
    _sent_back(factory, post, approver)
    edit_post(
        session,
        post.twin,
        by=author,
        settings=settings,
        text="Cododd prisiau eto",
        now=factory.now + timedelta(minutes=5),
    )

    changes = review_changes_of(session, post)
    assert changes is not None
    assert changes.text is None
    assert not changes.twin_added
    assert changes.twin is not None
    assert [piece.text for piece in changes.twin.text or [] if piece.kind == "added"] == [" eto"]
    assert changes.twin_changed

    lone = factory.post(english, author, text="Alone for now")
    _sent_back(factory, lone, approver)
    add_twin(
        session,
        lone,
        text="Ar ei ben ei hun",
        by=author,
        settings=settings,
        now=factory.now + timedelta(minutes=5),
    )
    changes = review_changes_of(session, lone)
    assert changes is not None
    assert changes.twin_added
    assert changes.any


def test_posts_never_reviewed_have_no_changes_and_the_batch_matches_one_by_one(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = factory.approver(channel)
    fresh = factory.post(channel, author)
    reviewed = factory.post(channel, author, text="One two three")
    _sent_back(factory, reviewed, approver)
    edit_post(
        session,
        reviewed,
        by=author,
        settings=settings,
        text="One three four",
        now=factory.now + timedelta(minutes=5),
    )

    batch = review_changes(session, [fresh, reviewed])
    assert fresh.id not in batch
    alone = review_changes_of(session, reviewed)
    assert alone is not None
    assert batch[reviewed.id].text == alone.text


_WORDS = st.lists(
    st.sampled_from(["the", "rate", "fell", "to", "4%", "in", "May", "Cymru", "\n", "  "]),
    max_size=30,
)


@given(before=_WORDS.map(" ".join), after=_WORDS.map(" ".join))
def test_the_pieces_rebuild_both_texts(before: str, after: str) -> None:
    pieces = word_diff(before, after)

    assert "".join(piece.text for piece in pieces if piece.kind != "removed") == after
    assert "".join(piece.text for piece in pieces if piece.kind != "added") == before
    assert all(piece.text for piece in pieces)


@given(before=st.text(max_size=80), after=st.text(max_size=80))
def test_the_pieces_rebuild_any_texts(before: str, after: str) -> None:
    pieces = word_diff(before, after)

    assert "".join(piece.text for piece in pieces if piece.kind != "removed") == after
    assert "".join(piece.text for piece in pieces if piece.kind != "added") == before
