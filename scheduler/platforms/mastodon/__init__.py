"""The `mastodon` platform adapter: any Mastodon instance, through its client API."""

from scheduler.platforms.mastodon.adapter import MastodonPlatform

__all__ = ["MastodonPlatform"]
