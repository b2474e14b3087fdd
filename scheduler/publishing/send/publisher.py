"""Send one unit (a post, or two twins back to back) through its adapter, and say what happened."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import MutableMapping
from datetime import datetime
from pathlib import Path

from config import Settings
from scheduler.clearance.media import stored_image_path
from scheduler.core.clock import Clock
from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import describe
from scheduler.platforms import (
    Account,
    MediaItem,
    OutcomeUnknown,
    PermanentError,
    Platform,
    PlatformError,
    PublishRequest,
    TransientError,
)
from scheduler.publishing.rules.eligibility import SHORT_WAIT, waiting_reason
from scheduler.publishing.send.backoff import retry_delay
from scheduler.publishing.send.outcomes import Outcome, OutcomeKind
from scheduler.publishing.send.pacing import Pacer
from scheduler.publishing.send.plan import Job, Unit
from scheduler.publishing.send.platform_set import PlatformSet

log = logging.getLogger(__name__)

#: How many times the second twin is tried again at once when it fails after the first went out.
TWIN_IMMEDIATE_RETRIES = 2
#: The longest a lane waits for a platform's retry-after before trying a twin again at once.
TWIN_RETRY_PAUSE_LIMIT = 1.0
_WAITING = (OutcomeKind.RETRY, OutcomeKind.DEFERRED, OutcomeKind.HELD)


def request_for(
    job: Job, account: Account, reply_to: str | None, media_root: Path
) -> PublishRequest:
    """Return the adapter's request for the job's post, replying to the platform id given.

    Raise ValidationFailed if an image's stored name is not one Gatepost made.
    """
    return PublishRequest(
        account=account,
        text=job.post.text,
        idempotency_key=job.post.idempotency_key,
        reply_to=reply_to,
        media=tuple(
            MediaItem(
                stored_image_path(media_root, item.stored_name), item.content_type, item.alt_text
            )
            for item in job.media
        )
        if job.media
        else (),
        first_tried_at=job.first_allowed_at,
    )


class Publisher:
    """Publish units for one worker: pacing, adapter calls, retries and twin handling."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        platforms: PlatformSet,
        pacer: Pacer,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.platforms = platforms
        self.pacer = pacer
        self.rng = rng or random.Random()  # noqa: S311 - retry jitter, not secrets
        self.zone = settings.timezone
        self.media_root = settings.media_path

    def answers_at_once(self, unit: Unit) -> bool:
        """Return whether every adapter call of the unit returns without waiting on I/O."""
        return all(
            self.platforms.get(job.channel.platform).answers_at_once(job.channel.options)
            for job in unit.jobs
        )

    def run_unit(self, unit: Unit, seen: MutableMapping[int, Outcome]) -> list[Outcome]:
        """Send the unit's posts in order and return one outcome per post."""
        waiting = self._waiting_on_predecessor(unit.jobs[0], seen)
        slot = None if waiting is not None else self._pace(unit)
        if waiting is not None:
            # It is not sent now, so it takes none of the channel's paced slots.
            outcomes = [waiting]
            if len(unit.jobs) > 1:
                outcomes.append(self._second_twin(unit.jobs[1], waiting, seen))
        elif slot is not None:
            outcomes = [self._deferred(job, slot) for job in unit.jobs]
        else:
            first = self._attempt(unit.jobs[0], seen, immediate_retries=0)
            seen[first.job.post.id] = first
            outcomes = [first]
            if len(unit.jobs) > 1:
                outcomes.append(self._second_twin(unit.jobs[1], first, seen))
        for outcome in outcomes:
            seen[outcome.job.post.id] = outcome
        return outcomes

    def _second_twin(self, job: Job, first: Outcome, seen: MutableMapping[int, Outcome]) -> Outcome:
        if first.kind is not OutcomeKind.PUBLISHED:
            # The first was refused or could not go: both hold, neither goes alone.
            return self._held(
                job,
                waiting_reason(
                    f"Held with its twin #{first.job.post.id}",
                    "did not go out",
                    first.reason or first.error,
                ),
                first.due_at if first.kind in _WAITING else None,
            )
        second = self._attempt(job, seen, immediate_retries=TWIN_IMMEDIATE_RETRIES)
        if second.kind is OutcomeKind.PUBLISHED:
            gap = (second.answered - first.answered) * 1000
            first.twin_gap_ms = second.twin_gap_ms = round(gap, 3)
        else:
            went = describe(first.published_at or first.at, self.zone)
            second.alert = (
                f"Its twin #{first.job.post.id} went out at {went} but this one did not: "
                f"{second.error or second.reason}"
            )
        return second

    def _pace(self, unit: Unit) -> datetime | None:
        now: datetime | None = None
        slots = []
        for job in unit.jobs:
            try:
                limit = self.platforms.get(job.channel.platform).rate_limit_for(job.channel.options)
            except PlatformError:
                limit = None  # the publish call reports the bad options
            if not limit:
                continue  # most channels: no clock reading, no pacer lock
            now = now or self.clock.now()
            slot = self.pacer.reserve(job.channel.id, limit, now, job.post.id)
            if slot is not None:
                slots.append(slot)
        return max(slots) if slots else None

    def _request(self, job: Job, reply_to: str | None) -> PublishRequest:
        return request_for(job, self.platforms.account_for(job.channel), reply_to, self.media_root)

    def _waiting_on_predecessor(
        self, job: Job, seen: MutableMapping[int, Outcome]
    ) -> Outcome | None:
        """Return the post's hold if the post before it in its thread has not gone out yet."""
        if job.reply_after is None:
            return None
        before = seen.get(job.reply_after)
        if before is not None and before.kind is OutcomeKind.PUBLISHED:
            return None
        why = (before.reason or before.error) if before else "it has not been sent yet"
        until = self.clock.now() + SHORT_WAIT if before is None else None
        if before is not None and before.kind in _WAITING:
            until = before.due_at
        return self._held(
            job,
            waiting_reason(
                f"Waits for the post before it in its thread (#{job.reply_after})",
                "did not go out",
                why,
            ),
            until,
        )

    def _attempt(
        self, job: Job, seen: MutableMapping[int, Outcome], *, immediate_retries: int
    ) -> Outcome:
        waiting = self._waiting_on_predecessor(job, seen)
        if waiting is not None:
            return waiting
        reply_to = job.reply_to if job.reply_after is None else seen[job.reply_after].external_id
        adapter = self.platforms.get(job.channel.platform)
        try:
            request = self._request(job, reply_to)
        except ValidationFailed as error:
            return self._failed(job, f"Its image cannot be sent: {error.message}")
        except PermanentError as error:
            return self._failed(job, error.message)  # its credentials cannot be read
        tries = 0
        while True:
            outcome = self._call(job, adapter, request)
            if outcome.kind is not OutcomeKind.RETRY or tries >= immediate_retries:
                return outcome
            tries += 1
            time.sleep(min(outcome.retry_after or 0.0, TWIN_RETRY_PAUSE_LIMIT))

    def _call(self, job: Job, adapter: Platform, request: PublishRequest) -> Outcome:
        try:
            published = adapter.publish(request)
        except TransientError as error:
            return self._retry(job, error.message, error.retry_after)
        except PermanentError as error:
            return self._failed(job, error.message)
        except OutcomeUnknown as error:
            return self._after_unknown(job, adapter, request, error.message)
        except PlatformError as error:
            return self._failed(job, error.message)
        except Exception as error:
            # A bug or a dropped connection inside the adapter: it may have sent the post.
            log.exception("adapter %s raised while publishing post %s", adapter.name, job.post.id)
            return self._after_unknown(job, adapter, request, f"{type(error).__name__}: {error}")
        return Outcome(
            job,
            OutcomeKind.PUBLISHED,
            self.clock.now(),
            external_id=published.external_id,
            published_at=published.published_at,
            attempted=True,
            answered=time.perf_counter(),
        )

    def _after_unknown(
        self, job: Job, adapter: Platform, request: PublishRequest, message: str
    ) -> Outcome:
        """Ask the platform whether it has the post before deciding anything."""
        now = self.clock.now()
        if not adapter.supports_lookup:
            return self._unknown(job, message)
        try:
            # The request as sent: a thread post replies to the id its predecessor just got.
            found = adapter.lookup(request)
        except Exception as error:
            return self._unknown(job, f"{message}; asking the platform failed too: {error}")
        if found is not None:
            return Outcome(
                job,
                OutcomeKind.PUBLISHED,
                now,
                external_id=found.external_id,
                published_at=found.published_at,
                attempted=True,
                answered=time.perf_counter(),
            )
        return self._retry(job, f"{message}; the platform does not have it", None)

    def _retry(self, job: Job, message: str, retry_after: float | None) -> Outcome:
        now = self.clock.now()
        attempt = job.post.attempts + 1
        limit = self.settings.retry.max_attempts
        if attempt >= limit:
            return self._failed(job, f"Gave up after {attempt} tries: {message}")
        delay = retry_delay(attempt, self.settings.retry, retry_after=retry_after, rng=self.rng)
        due = now + delay
        return Outcome(
            job,
            OutcomeKind.RETRY,
            now,
            error=message,
            due_at=due,
            reason=(
                f"The platform failed (try {attempt} of {limit}): {message}; trying again at "
                f"{describe(due, self.zone)}"
            ),
            attempted=True,
            retry_after=retry_after,
        )

    def _failed(self, job: Job, message: str) -> Outcome:
        return Outcome(job, OutcomeKind.FAILED, self.clock.now(), error=message, attempted=True)

    def _unknown(self, job: Job, message: str) -> Outcome:
        return Outcome(
            job,
            OutcomeKind.UNKNOWN,
            self.clock.now(),
            error=message,
            reason=(
                "The platform may or may not have this post and cannot be asked: check the "
                "channel, then mark it published or retry it"
            ),
            attempted=True,
        )

    def _held(self, job: Job, reason: str, until: datetime | None) -> Outcome:
        return Outcome(job, OutcomeKind.HELD, self.clock.now(), reason=reason, due_at=until)

    def _deferred(self, job: Job, slot: datetime) -> Outcome:
        return Outcome(
            job,
            OutcomeKind.DEFERRED,
            self.clock.now(),
            due_at=slot,
            reason=(
                f"Paced to the platform's limit on {job.channel.handle}; it goes at "
                f"{describe(slot, self.zone)}"
            ),
        )
