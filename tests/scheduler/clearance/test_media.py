"""Images: decoded (names are not trusted), described, consented, stored safely."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from scheduler.clearance import approval_count, post_history
from scheduler.clearance.media import (
    attach_image,
    inspect_image,
    media_file,
    remove_image,
    safe_original_name,
)
from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.models import PostState
from tests.support.factories import NOW, Factory


def image_bytes(image_format: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "navy" if mode == "RGB" else 1).save(out, format=image_format)
    return out.getvalue()


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_accepted_types_are_recognised_by_their_content(
    image_format: str, content_type: str
) -> None:
    facts = inspect_image(image_bytes(image_format))
    assert (facts.content_type, facts.width, facts.height) == (content_type, 40, 30)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"just some text pretending to be a PNG", "not an image Gatepost accepts"),
        (image_bytes("BMP"), "not an image Gatepost accepts; use one of GIF, JPEG, PNG, WEBP"),
        (image_bytes("PNG")[:60], "damaged or cut short"),
        (image_bytes("PNG", (8200, 10), "1"), "at most 8192 pixels a side"),
        (image_bytes("PNG", (8000, 6000), "1"), "40 megapixels"),
        (b"\x89PNG" + b"0" * (16 * 1024 * 1024), "images can be at most 15.0 MB"),
    ],
)
def test_unacceptable_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        inspect_image(data)


def test_a_big_jpeg_is_refused_at_the_jpeg_limit() -> None:
    out = io.BytesIO()
    noise = Image.effect_noise((2600, 2600), 100).convert("RGB")
    noise.save(out, format="JPEG", quality=100)
    assert len(out.getvalue()) > 5 * 1024 * 1024
    with pytest.raises(ValidationFailed, match=r"JPEG images can be at most 5\.0 MB"):
        inspect_image(out.getvalue())


def test_attaching_stores_under_a_random_name_and_sends_the_post_back_to_draft(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.move(factory.post(channel, author), PostState.APPROVED, approvers=[approver])
    data = image_bytes("PNG")
    attachment = attach_image(
        session,
        post,
        data=data,
        filename="../../etc/chart.jpg",  # the name lies about both place and type
        alt_text="Bar chart of unemployment by region",
        by=author,
        settings=factory.settings,
        now=NOW,
    )
    stored = media_file(factory.settings, attachment.stored_name)
    assert stored.parent == factory.settings.media_path.resolve()
    assert stored.suffix == ".png"
    assert stored.read_bytes() == data  # byte for byte: nothing stripped silently
    assert attachment.original_name == "chart.jpg"
    assert attachment.content_type == "image/png"
    assert (post.state, post.content_version, approval_count(post)) == (PostState.DRAFT, 2, 0)
    assert post_history(session, post)[-1].action == "image_attached"
    assert [(item.stored_name, item.alt_text) for item in post.media] == [
        (attachment.stored_name, "Bar chart of unemployment by region")
    ]

    remove_image(session, attachment, by=author, settings=factory.settings, now=NOW)
    assert post.media == []
    assert post.content_version == 3


def test_alt_text_is_required_and_people_shown_need_consent(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author)
    attach = dict(
        data=image_bytes("JPEG"), filename="team.jpg", by=author, settings=factory.settings
    )
    with pytest.raises(ValidationFailed, match=r"alt text"):
        attach_image(session, post, alt_text="   ", **attach)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="confirm that they agreed"):
        attach_image(session, post, alt_text="The team", shows_people=True, **attach)  # type: ignore[arg-type]
    attachment = attach_image(
        session,
        post,
        alt_text="The team at the launch",
        shows_people=True,
        consent_confirmed=True,
        consent_note="Signed forms held by the events team",
        **attach,  # type: ignore[arg-type]
    )
    assert attachment.consent_recorded_by_id == author.id
    assert attachment.consent_note == "Signed forms held by the events team"
    assert list(factory.settings.media_path.iterdir()) == [
        media_file(factory.settings, attachment.stored_name)
    ]


def test_only_writers_on_the_channel_attach_images(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel))
    with pytest.raises(PermissionDenied, match="author access"):
        attach_image(
            session,
            post,
            data=image_bytes("PNG"),
            filename="x.png",
            alt_text="Chart",
            by=factory.approver(channel),
            settings=factory.settings,
        )
    assert not factory.settings.media_path.exists() or not any(
        factory.settings.media_path.iterdir()
    )


@pytest.mark.parametrize("name", ["../secret.png", "a/b.png", "0" * 32 + ".exe", "nothing"])
def test_stored_names_gatepost_did_not_make_are_refused(factory: Factory, name: str) -> None:
    with pytest.raises(ValidationFailed, match="is not the name of a stored image"):
        media_file(factory.settings, name)


def test_original_names_keep_only_the_file_name() -> None:
    assert safe_original_name("C:\\Users\\me\\chart\x00.png") == "chart.png"
    assert safe_original_name("/srv/../../chart.png") == "chart.png"
