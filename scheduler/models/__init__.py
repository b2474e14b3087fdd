"""Every Gatepost table, importable from one place."""

from scheduler.models.audit import AuditEvent
from scheduler.models.base import Base, UTCDateTime, utcnow
from scheduler.models.calendar import QuietPeriod
from scheduler.models.channel import AccessRole, Channel, ChannelAccess
from scheduler.models.comment import Comment
from scheduler.models.idempotency import IdempotencyKey
from scheduler.models.media import MediaAttachment
from scheduler.models.notification import Notification, NotificationCursor
from scheduler.models.post import (
    Approval,
    Post,
    PostAuthor,
    PostRevision,
    PostState,
    PublishOverride,
    Thread,
)
from scheduler.models.release import EmbargoViewing, Release, ReleaseAccess
from scheduler.models.release_reminder import ReleaseReminder
from scheduler.models.sign_in import SignInAttempt
from scheduler.models.user import ApiToken, RecoveryCode, Role, User
from scheduler.models.worker import WorkerHeartbeat

__all__ = [
    "AccessRole",
    "ApiToken",
    "Approval",
    "AuditEvent",
    "Base",
    "Channel",
    "ChannelAccess",
    "Comment",
    "EmbargoViewing",
    "IdempotencyKey",
    "MediaAttachment",
    "Notification",
    "NotificationCursor",
    "Post",
    "PostAuthor",
    "PostRevision",
    "PostState",
    "PublishOverride",
    "QuietPeriod",
    "RecoveryCode",
    "Release",
    "ReleaseAccess",
    "ReleaseReminder",
    "Role",
    "SignInAttempt",
    "Thread",
    "UTCDateTime",
    "User",
    "WorkerHeartbeat",
    "utcnow",
]
