"""The mock platform's ledger: a JSON-lines file that several threads and processes append to.

Every line is one event: `published` (what the platform accepted), `deleted` (a tombstone) or
`replayed` (a publish repeated an idempotency key and got the first answer back; Gatepost's worker
should never cause one, so tests count them).

Safety, and why it is cheap:
- Each process keeps one descriptor opened with O_APPEND and writes each line with a single
  write(2), so lines from different processes never interleave.
- Publishing takes a thread lock and an exclusive flock(2) around "read what others appended,
  check the idempotency key and rate limit, append": two processes cannot both publish one key.
- An in-memory index (key -> entry, external id -> entry, recent times per channel) is built from
  the file and topped up by reading only the bytes appended since the last look.
- Durability: write(2) puts the line in the page cache, which survives the process being killed but
  not the machine losing power. `sync()` calls fdatasync once for everything appended so far; the
  worker calls it before the transaction that marks those posts published, so a post is never
  recorded as published while its line could still be lost (one fsync per batch, not per post).
"""

from __future__ import annotations

import fcntl
import itertools
import json
import logging
import os
import threading
import uuid
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

RATE_WINDOW = timedelta(minutes=1)


class RateLimited(Exception):
    """The channel has published its allowance for the current minute."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:.1f} s")
        self.retry_after = retry_after


class UnknownPost(Exception):
    """No post with that external id is on the channel (or it was deleted)."""


class LedgerEntry(NamedTuple):
    """One accepted post as the ledger remembers it (the text stays in the file only)."""

    external_id: str
    idempotency_key: str
    channel: str
    published_at: datetime
    reply_to: str | None = None
    deleted: bool = False


# One encoder, made once: `json.dumps` with options builds a new encoder on every call.
_encode_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# The JSON string literal of a str, as the encoder above writes it (the C version where built).
_string = json.encoder.encode_basestring


def published_line(
    external_id: str,
    idempotency_key: str,
    channel: str,
    text: str,
    reply_to: str | None,
    published_at: str,
) -> str:
    """Return the `published` event's line without media, as `_encode_line` writes it."""
    # Written out, not encoded from a dict: this runs once per post, and the generic encoder
    # costs more than everything else the ledger does for it.
    return (
        f'{{"event":"published","external_id":{_string(external_id)},'
        f'"idempotency_key":{_string(idempotency_key)},"channel":{_string(channel)},'
        f'"text":{_string(text)},'
        f'"reply_to":{"null" if reply_to is None else _string(reply_to)},'
        f'"published_at":{_string(published_at)}}}'
    )


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Return every complete line of a ledger file as a dict (an empty list if there is none)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    events = []
    for line in data.split(b"\n"):
        if line.strip():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


class MockLedger:
    """Append-only, process-safe storage for the mock platform, with an index for look-ups."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._offset = 0
        self._partial = b""
        self._dirty = False
        self._by_key: dict[str, LedgerEntry] = {}
        self._by_external: dict[str, LedgerEntry] = {}
        self._recent: dict[str, deque[datetime]] = {}
        # External ids: a random prefix per instance (so processes never collide), then a count.
        self._id_prefix = uuid.uuid4().hex[:12]
        self._ids = itertools.count(1)

    # -- file handling -------------------------------------------------------------------------

    def _descriptor(self, *, create: bool) -> int | None:
        if self._fd is not None:
            return self._fd
        if not create and not self.path.exists():
            return None
        created = not self.path.exists()
        if created:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        if created:
            # The new file's name must survive a power cut as well as its contents.
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return self._fd

    def _catch_up(self, fd: int) -> None:
        """Read and index whatever was appended since the last look (complete lines only)."""
        size = os.fstat(fd).st_size
        if size <= self._offset:
            return
        data = self._partial + os.pread(fd, size - self._offset, self._offset)
        self._offset = size
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if line.strip():
                self._index_line(line)

    def _index_line(self, line: bytes) -> None:
        try:
            event = json.loads(line)
            kind = event.get("event", "published")
            if kind == "published":
                self._remember(
                    LedgerEntry(
                        external_id=event["external_id"],
                        idempotency_key=event["idempotency_key"],
                        channel=event["channel"],
                        published_at=datetime.fromisoformat(event["published_at"]),
                        reply_to=event.get("reply_to"),
                    )
                )
            elif kind == "deleted":
                entry = self._by_external.get(event["external_id"])
                if entry is not None:
                    self._forget(entry)
        except (ValueError, KeyError, TypeError, AttributeError):
            # A line cut short by a crash mid-write; everything after it is intact.
            log.warning("mock ledger %s: skipping an unreadable line", self.path)

    def _remember(self, entry: LedgerEntry) -> None:
        self._by_key.setdefault(entry.idempotency_key, entry)
        self._by_external[entry.external_id] = entry
        times = self._recent.get(entry.channel)
        if times is None:
            times = self._recent[entry.channel] = deque()
        horizon = entry.published_at - RATE_WINDOW
        while times and times[0] <= horizon:
            times.popleft()
        times.append(entry.published_at)

    def _forget(self, entry: LedgerEntry) -> None:
        gone = entry._replace(deleted=True)
        self._by_external[entry.external_id] = gone
        if self._by_key.get(entry.idempotency_key) == entry:
            self._by_key[entry.idempotency_key] = gone

    def _append(self, fd: int, event: dict[str, Any] | str) -> None:
        """Append one event (or its JSON); the caller holds the locks and has caught up."""
        line = ((event if isinstance(event, str) else _encode_line(event)) + "\n").encode()
        if self._partial:
            # A writer died mid-line: end that line so ours starts clean.
            line = b"\n" + line
            self._partial = b""
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"short write to {self.path} ({written} of {len(line)} bytes)")
        # Nobody else appends while we hold the flock, so the file now ends where our line does.
        self._offset += written
        self._dirty = True

    # -- the platform's operations --------------------------------------------------------------

    def publish(
        self,
        *,
        idempotency_key: str,
        channel: str,
        text: str,
        reply_to: str | None,
        now: datetime,
        rate_limit_per_minute: int | None = None,
        media: list[dict[str, str]] | None = None,
    ) -> LedgerEntry:
        """Append a post, or return the one already published under the key."""
        with self._lock:
            fd = self._descriptor(create=True)
            assert fd is not None
            # flock(2) directly, not through a context manager: this runs once per post.
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                return self._publish_locked(
                    fd, idempotency_key, channel, text, reply_to, now, rate_limit_per_minute, media
                )
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _publish_locked(
        self,
        fd: int,
        idempotency_key: str,
        channel: str,
        text: str,
        reply_to: str | None,
        now: datetime,
        rate_limit_per_minute: int | None,
        media: list[dict[str, str]] | None,
    ) -> LedgerEntry:
        self._catch_up(fd)
        existing = self._by_key.get(idempotency_key)
        if existing is not None:
            self._append(
                fd,
                {
                    "event": "replayed",
                    "external_id": existing.external_id,
                    "idempotency_key": idempotency_key,
                    "channel": channel,
                    "at": now.isoformat(),
                },
            )
            return existing
        if reply_to is not None:
            target = self._by_external.get(reply_to)
            if target is None or target.deleted:
                raise UnknownPost(f"Cannot reply to {reply_to}: there is no such post")
        if rate_limit_per_minute is not None:
            self._check_rate(channel, now, rate_limit_per_minute)
        entry = LedgerEntry(
            f"mock-{self._id_prefix}-{next(self._ids):x}", idempotency_key, channel, now, reply_to
        )
        published_at = now.isoformat()
        if media:
            event: dict[str, Any] | str = {
                "event": "published",
                "external_id": entry.external_id,
                "idempotency_key": idempotency_key,
                "channel": channel,
                "text": text,
                "reply_to": reply_to,
                "published_at": published_at,
                "media": media,
            }
        else:
            event = published_line(
                entry.external_id, idempotency_key, channel, text, reply_to, published_at
            )
        self._append(fd, event)
        self._remember(entry)
        return entry

    def _check_rate(self, channel: str, now: datetime, limit: int) -> None:
        times = self._recent.get(channel)
        if not times:
            return
        horizon = now - RATE_WINDOW
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) >= limit:
            wait = (times[0] + RATE_WINDOW - now).total_seconds()
            raise RateLimited(max(wait, 0.001))

    def find(self, idempotency_key: str) -> LedgerEntry | None:
        """Return the post published under the key, reading what other processes appended."""
        with self._lock:
            fd = self._descriptor(create=False)
            if fd is None:
                return None
            self._catch_up(fd)
            return self._by_key.get(idempotency_key)

    def delete(self, channel: str, external_id: str, now: datetime) -> LedgerEntry:
        """Append a tombstone for a published post."""
        with self._lock:
            fd = self._descriptor(create=False)
            if fd is None:
                raise UnknownPost(f"There is no post {external_id} on {channel}")
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                self._catch_up(fd)
                entry = self._by_external.get(external_id)
                if entry is None or entry.channel != channel or entry.deleted:
                    raise UnknownPost(f"There is no post {external_id} on {channel}")
                self._append(
                    fd,
                    {
                        "event": "deleted",
                        "external_id": external_id,
                        "idempotency_key": entry.idempotency_key,
                        "channel": channel,
                        "deleted_at": now.isoformat(),
                    },
                )
                self._forget(entry)
                return entry
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def sync(self) -> None:
        """Flush every line appended so far to disk."""
        fd = self._fd
        if fd is None or not self._dirty:
            return
        self._dirty = False
        os.fdatasync(fd)

    def close(self) -> None:
        """Release the file descriptor."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
