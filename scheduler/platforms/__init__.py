"""Platform adapters: one small interface, found through the `gatepost.platforms` entry points."""

from scheduler.platforms.base import (
    Account,
    Authorization,
    Connection,
    Credentials,
    CredentialsChanged,
    CredentialsRefused,
    LookupUnsupported,
    MediaItem,
    OutcomeUnknown,
    PermanentError,
    Platform,
    PlatformError,
    Published,
    PublishRequest,
    TextCheck,
    TransientError,
)
from scheduler.platforms.registry import available_platforms, get_platform

__all__ = [
    "Account",
    "Authorization",
    "Connection",
    "Credentials",
    "CredentialsChanged",
    "CredentialsRefused",
    "LookupUnsupported",
    "MediaItem",
    "OutcomeUnknown",
    "PermanentError",
    "Platform",
    "PlatformError",
    "PublishRequest",
    "Published",
    "TextCheck",
    "TransientError",
    "available_platforms",
    "get_platform",
]
