"""A release-day scenario for the readiness board and its reminders: a statistician's thread
with Welsh twins, an approver on the access list, one off it, and an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.clearance import create_post, create_thread
from scheduler.models import Channel, Post, Release, Role, Thread, User
from tests.support.factories import NOW, Factory

#: Friday 12 March 2027 09:30 GMT: two days after the factory's NOW.
EMBARGO = NOW.replace(hour=9, minute=30) + timedelta(days=2)
THREAD_TEXTS = (
    "Unemployment fell to 4.1% in the three months to January",
    "Employment rose to 75.3%",
    "Pay grew by 5.9% a year",
)
WELSH_TEXTS = (
    "Gostyngodd diweithdra i 4.1% yn y tri mis hyd at fis Ionawr",
    "Cododd cyflogaeth i 75.3%",
    "Tyfodd cyflogau 5.9% y flwyddyn",
)


@dataclass
class ReleaseDay:
    """Everyone and everything of the scenario."""

    release: Release
    english: Channel
    welsh: Channel
    statistician: User
    reader: User  # an approver of both channels, on the access list
    outsider: User  # an approver of both channels, not on it
    admin: User
    thread: Thread
    loose: Post

    @property
    def posts(self) -> list[Post]:
        """Return the English thread's posts in order."""
        return list(self.thread.posts)


def release_day(
    factory: Factory, *, embargo_at: datetime = EMBARGO, reader_on_list: bool = True
) -> ReleaseDay:
    """Build the scenario through the real operations (everything a draft)."""
    english, welsh = factory.twin_channels()
    statistician = factory.author(english, welsh)
    statistician.name = "Sam Statistician"
    reader = factory.approver(english, welsh)
    reader.name = "Rhian Reader"
    outsider = factory.approver(english, welsh)
    outsider.name = "Owen Outsider"
    admin = factory.user(Role.ADMIN, name="Ada Admin")
    release = factory.release(
        embargo_at=embargo_at,
        by=statistician,
        access=[reader] if reader_on_list else [],
        title="Labour market overview, March 2027",
    )
    thread = create_thread(
        factory.session,
        channel=english,
        texts=THREAD_TEXTS,
        twin_texts=WELSH_TEXTS,
        by=statistician,
        settings=factory.settings,
        send_at=embargo_at,
        release=release,
        title="Unemployment at 4.1%",
        now=factory.now,
    )
    loose = create_post(
        factory.session,
        channel=english,
        text="Read the full bulletin on our website",
        by=statistician,
        settings=factory.settings,
        send_at=embargo_at + timedelta(minutes=30),
        release=release,
        twin_text="Darllenwch y bwletin llawn ar ein gwefan",
        now=factory.now,
    )
    factory.session.flush()
    return ReleaseDay(release, english, welsh, statistician, reader, outsider, admin, thread, loose)
