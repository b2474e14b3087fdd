"""The Mastodon platform adapter, registered as `mastodon`."""

from scheduler.platforms.mastodon.adapter import MastodonPlatform

__all__ = ["MastodonPlatform"]
