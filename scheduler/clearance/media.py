"""Images on posts: decoded and checked, stored under the instance folder, described, consented."""

# An image is checked by decoding it (its name and claimed type are never trusted), stored byte
# for byte as uploaded under a random name, and handed to the adapter with its alt text.
# Attaching or removing an image changes what is cleared, so it sends the post back to draft.

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.acting import begin_action
from scheduler.clearance.changes import (
    ChangeSet,
    conflict_on_stale_write,
    void_approvals,
    write_revision,
)
from scheduler.clearance.drafting import send_back_to_draft
from scheduler.clearance.results import ClearanceResult
from scheduler.clearance.transitions import Action
from scheduler.core.errors import ValidationFailed
from scheduler.models import MediaAttachment, Post, PostState, User

#: Decoded format -> (content type, file extension, largest accepted size in bytes).
ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg", 5 * 1024 * 1024),
    "PNG": ("image/png", ".png", 5 * 1024 * 1024),
    "WEBP": ("image/webp", ".webp", 5 * 1024 * 1024),
    "GIF": ("image/gif", ".gif", 15 * 1024 * 1024),
}
MAX_SIDE = 8192
MAX_PIXELS = 40_000_000
MAX_IMAGES_PER_POST = 4
MAX_ALT_TEXT = 1000
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|gif)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ImageFacts:
    """What decoding an upload found."""

    format: str
    content_type: str
    extension: str
    width: int
    height: int
    size_bytes: int
    sha256: str


def inspect_image(data: bytes) -> ImageFacts:
    """Decode the bytes and return what they are, or refuse anything but a sound, sane image."""
    allowed = ", ".join(sorted(ALLOWED_FORMATS))
    if not data:
        raise ValidationFailed("The file is empty; choose an image", field="image")
    largest = max(limit for _, _, limit in ALLOWED_FORMATS.values())
    if len(data) > largest:
        raise ValidationFailed(
            f"The file is {_megabytes(len(data))}; images can be at most {_megabytes(largest)}",
            field="image",
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns, rather than fails, on images big enough to be decompression bombs.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS)) as image:
                image_format = str(image.format)
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                    raise ValidationFailed(
                        f"The image is {width} by {height} pixels; images can be at most "
                        f"{MAX_SIDE} pixels a side and {MAX_PIXELS // 1_000_000} megapixels",
                        field="image",
                    )
                image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationFailed(
            "The image has too many pixels to open safely; resize it", field="image"
        ) from None
    except UnidentifiedImageError:
        raise ValidationFailed(
            f"The file is not an image Gatepost accepts; use one of {allowed}", field="image"
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationFailed(
            f"The image is damaged or cut short and cannot be read ({error}); export it again",
            field="image",
        ) from None
    content_type, extension, limit = ALLOWED_FORMATS[image_format]
    if len(data) > limit:
        raise ValidationFailed(
            f"The {image_format} file is {_megabytes(len(data))}; {image_format} images can be at "
            f"most {_megabytes(limit)}",
            field="image",
        )
    return ImageFacts(
        format=image_format,
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def safe_original_name(filename: str) -> str:
    """Return only the last part of an uploaded file's name, without control characters."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    return _CONTROL.sub("", name)[:255]


def media_file(settings: Settings, stored_name: str) -> Path:
    """Return where a stored image lives, refusing any name Gatepost did not make."""
    return stored_image_path(settings.media_path, stored_name)


def stored_image_path(media_root: Path, stored_name: str) -> Path:
    """Return where a stored image lives under the media folder, refusing any other name."""
    root = media_root.resolve()
    path = (root / stored_name).resolve()
    if not _STORED_NAME.match(stored_name) or path.parent != root:
        raise ValidationFailed(f"{stored_name!r} is not the name of a stored image")
    return path


@conflict_on_stale_write
def attach_image(
    session: Session,
    post: Post,
    *,
    data: bytes,
    filename: str,
    alt_text: str,
    by: User,
    settings: Settings,
    shows_people: bool = False,
    consent_confirmed: bool = False,
    consent_note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> MediaAttachment:
    """Check, store and attach an image; people shown must have agreed, and it needs alt text."""
    unit, now, changes = begin_action(
        session,
        post,
        Action.EDIT,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
        audit_action=Action.IMAGE_ATTACHED,
    )
    alt_text = alt_text.strip()
    if not alt_text:
        raise ValidationFailed(
            "Describe the image for people who cannot see it (alt text)", field="alt_text"
        )
    if len(alt_text) > MAX_ALT_TEXT:
        raise ValidationFailed(
            f"The alt text is {len(alt_text)} characters; keep it to {MAX_ALT_TEXT}",
            field="alt_text",
        )
    if shows_people and not consent_confirmed:
        raise ValidationFailed(
            "The image shows people: confirm that they agreed to it being published",
            field="consent",
        )
    if len(post.media) >= MAX_IMAGES_PER_POST:
        raise ValidationFailed(
            f"A post can have at most {MAX_IMAGES_PER_POST} images", field="image"
        )
    facts = inspect_image(data)
    path = _store(settings, data, facts.extension)
    try:
        attachment = MediaAttachment(
            post_id=post.id,
            position=max((item.position for item in post.media), default=-1) + 1,
            stored_name=path.name,
            original_name=safe_original_name(filename),
            content_type=facts.content_type,
            size_bytes=facts.size_bytes,
            width=facts.width,
            height=facts.height,
            sha256=facts.sha256,
            alt_text=alt_text,
            shows_people=shows_people,
            consent_recorded_by_id=by.id if shows_people else None,
            consent_note=consent_note.strip() if shows_people else "",
            uploaded_by_id=by.id,
            created_at=now,
        )
        post.media.append(attachment)
        _content_changed(
            session,
            post,
            unit,
            changes,
            reason="An image was attached",
            image=path.name,
            shows_people=shows_people,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


@conflict_on_stale_write
def remove_image(
    session: Session,
    attachment: MediaAttachment,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    expected_version: int | None = None,
    actor_label: str = "",
) -> ClearanceResult:
    """Take an image off its post; the post goes back to draft."""
    # The file stays in the media folder: it is what earlier versions were cleared with.
    post = session.get(Post, attachment.post_id)
    assert post is not None  # the foreign key guarantees it
    unit, now, changes = begin_action(
        session,
        post,
        Action.EDIT,
        by=by,
        settings=settings,
        now=now,
        expected_version=expected_version,
        actor_label=actor_label,
        audit_action=Action.IMAGE_REMOVED,
    )
    post.media.remove(attachment)
    changed = _content_changed(
        session,
        post,
        unit,
        changes,
        reason="An image was removed",
        image=attachment.stored_name,
    )
    return ClearanceResult(
        post=post, changed=changed, message="Image removed. Submit the post for clearance again."
    )


def _content_changed(
    session: Session,
    post: Post,
    unit: list[Post],
    changes: ChangeSet,
    *,
    reason: str,
    **details: Any,
) -> tuple[Post, ...]:
    now, by = changes.now, changes.by
    post.content_version += 1
    void_approvals(post, now=now, reason=reason.lower())
    post.due_at = None
    post.hold_reason = None
    changes.change(post, to=PostState.DRAFT, content_version=post.content_version, **details)
    send_back_to_draft(changes, unit, reason=f"{reason} to a post cleared with it")
    session.flush()
    write_revision(session, post, by=by, now=now)
    return tuple(changes.finish())


def _store(settings: Settings, data: bytes, extension: str) -> Path:
    """Write the bytes under a new random name in the media folder, atomically."""
    folder = settings.media_path
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + extension
    final = media_file(settings, name)
    temporary = folder / f".{name}.partial"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return final


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
