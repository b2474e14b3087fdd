"""What changed since a post was last reviewed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import edit_post, request_changes
from scheduler.clearance.review_changes import DiffPiece, changes_since_review, word_diff
from scheduler.models import PostState
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
    assert changes_since_review(session, post) is None  # never reviewed
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

    pieces = changes_since_review(session, post)
    assert pieces is not None
    assert [piece.text.strip() for piece in pieces if piece.kind == "added"] == ["jobs"]
    assert [piece for piece in pieces if piece.kind == "removed"] == []
