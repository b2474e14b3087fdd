"""Setting a channel's platform options: checked by the adapter, admins only, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.options import set_platform_options
from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.models import AuditEvent, Role
from scheduler.platforms import registry
from scheduler.platforms.mock import MockPlatform
from tests.support.factories import Factory


def test_an_admin_sets_mock_faults_and_it_is_audited(
    session: Session, factory: Factory, settings: Settings
) -> None:
    channel = factory.channel()
    admin = factory.user(Role.ADMIN)
    options = {"fail_every_nth": 3, "fail_kind": "unknown"}
    assert set_platform_options(session, channel, options, by=admin, settings=settings)
    assert channel.platform_options == options
    assert not set_platform_options(session, channel, options, by=admin, settings=settings)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "channel_options_changed")
    ).all()
    assert len(events) == 1
    assert events[0].channel_id == channel.id


def test_bad_options_and_non_admins_are_refused(
    session: Session, factory: Factory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = factory.channel()
    # The real mock adapter checks its fault options (domain tests otherwise use a stand-in).
    monkeypatch.setattr(registry, "platform_class", lambda name: MockPlatform)
    with pytest.raises(ValidationFailed, match="fail_kind"):
        set_platform_options(
            session,
            channel,
            {"fail_kind": "sometimes"},
            by=factory.user(Role.ADMIN),
            settings=settings,
        )
    with pytest.raises(PermissionDenied):
        set_platform_options(
            session, channel, {"latency_ms": 5}, by=factory.user(Role.APPROVER), settings=settings
        )
    assert channel.platform_options == {}
