"""Images for a post (app.bsky.embed.images): at most 4, each about 1 MB at most, with alt text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from scheduler.platforms.base import MediaItem, PermanentError

MAX_IMAGES = 4
#: The lexicon's maxSize for an embedded image blob.
MAX_IMAGE_BYTES = 1_000_000


@dataclass(frozen=True)
class ImageFile:
    """An image read from disk and checked, ready to upload."""

    item: MediaItem
    content: bytes = field(repr=False)
    #: (width, height) where Pillow can read it; Bluesky's apps lay the image out with it.
    size: tuple[int, int] | None = None


def read_images(media: Sequence[MediaItem]) -> list[ImageFile]:
    """Read and check a post's images, refusing what Bluesky would refuse, before any upload."""
    if len(media) > MAX_IMAGES:
        raise PermanentError(
            f"The post has {len(media)} images; Bluesky allows {MAX_IMAGES}: remove "
            f"{len(media) - MAX_IMAGES}"
        )
    images = []
    for number, item in enumerate(media, start=1):
        name = f"Image {number} ({item.path.name})"
        if not item.alt_text.strip():
            raise PermanentError(
                f"{name} has no alt text: describe the image for people who cannot see it "
                "(Bluesky posts every image with its description)"
            )
        if not item.content_type.startswith("image/"):
            raise PermanentError(f"{name} is {item.content_type}, not an image Bluesky can show")
        try:
            content = item.path.read_bytes()
        except OSError as error:
            raise PermanentError(f"{name} could not be read: {error.strerror}") from None
        if len(content) > MAX_IMAGE_BYTES:
            raise PermanentError(
                f"{name} is {len(content) / 1_000_000:.1f} MB; Bluesky takes images up to "
                f"{MAX_IMAGE_BYTES / 1_000_000:.0f} MB: make it smaller or save it as JPEG"
            )
        images.append(ImageFile(item, content, _dimensions(item)))
    return images


def _dimensions(item: MediaItem) -> tuple[int, int] | None:
    try:
        with Image.open(item.path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def images_embed(uploaded: Sequence[tuple[ImageFile, dict[str, Any]]]) -> dict[str, Any]:
    """Return the app.bsky.embed.images embed for uploaded images and their blob refs."""
    entries = []
    for image, blob in uploaded:
        entry: dict[str, Any] = {"image": blob, "alt": image.item.alt_text.strip()}
        if image.size is not None:
            entry["aspectRatio"] = {"width": image.size[0], "height": image.size[1]}
        entries.append(entry)
    return {"$type": "app.bsky.embed.images", "images": entries}
