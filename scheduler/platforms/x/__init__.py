"""The X (API v2) platform adapter."""

from scheduler.platforms.x.adapter import XPlatform

__all__ = ["XPlatform"]
