"""What a clearance operation hands back to the web page, API or command that called it."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.models import Post


@dataclass(frozen=True)
class ClearanceResult:
    """The post acted on, every post the action changed (twins, thread), and what to tell people."""

    post: Post
    changed: tuple[Post, ...]
    message: str
