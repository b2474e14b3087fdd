"""The Bluesky (AT Protocol) platform adapter, registered as `bluesky`."""

from scheduler.platforms.bluesky.adapter import BlueskyPlatform

__all__ = ["BlueskyPlatform"]
