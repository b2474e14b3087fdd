"""A channel's platform options (for the mock platform, the faults it injects)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from scheduler.access.rules import acts_as_admin
from scheduler.core import audit
from scheduler.core.errors import PermissionDenied
from scheduler.models import Channel, User, utcnow
from scheduler.platforms.registry import get_platform


def set_platform_options(
    session: Session,
    channel: Channel,
    options: Mapping[str, Any],
    *,
    by: User | None,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
) -> bool:
    """Replace the channel's platform options after its adapter checks them; return if changed."""
    if not acts_as_admin(by):
        raise PermissionDenied("Only admins can change a channel's platform options")
    wanted = dict(options)
    get_platform(channel.platform, settings).check_options(wanted)
    previous = dict(channel.platform_options or {})
    if wanted == previous:
        return False
    channel.platform_options = wanted
    session.flush()
    audit.record(
        session,
        "channel_options_changed",
        actor=by,
        actor_label=actor_label,
        channel_id=channel.id,
        details={"from": previous, "to": wanted},
        at=now or utcnow(),
    )
    return True
