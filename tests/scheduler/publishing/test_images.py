"""Images go to the platform from the media folder, with their alt text, and nothing else does."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler.models import MediaAttachment, Post, PostState
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def attach(factory: PublishingFactory, post: Post, stored_name: str) -> None:
    factory.session.add(
        MediaAttachment(
            post_id=post.id,
            stored_name=stored_name,
            content_type="image/png",
            size_bytes=4,
            width=1,
            height=1,
            sha256="0" * 64,
            alt_text="Line chart of inflation since 2020",
        )
    )
    factory.session.flush()


def test_a_post_goes_out_with_its_stored_image_and_alt_text(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=AT)
    name = "0123456789abcdef0123456789abcdef.png"
    worker.settings.media_path.mkdir(parents=True, exist_ok=True)
    (worker.settings.media_path / name).write_bytes(b"\x89PNG")
    attach(factory, post, name)

    assert worker.run_at(AT).published == 1
    [line] = [entry for entry in worker.ledger() if entry.get("event") == "published"]
    assert line["media"] == [{"path": name, "alt_text": "Line chart of inflation since 2020"}]


def test_a_stored_name_gatepost_did_not_make_fails_the_post_and_sends_nothing(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=AT)
    attach(factory, post, "../../../etc/passwd")

    worker.run_at(AT)
    assert post.state is PostState.FAILED
    assert "Its image cannot be sent: '../../../etc/passwd' is not the name of a stored image" in (
        post.last_error or ""
    )
    assert worker.published_keys() == []
