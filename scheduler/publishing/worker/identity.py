"""Who a worker is: its id in leases and heartbeats, and its name in the audit trail."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerIdentity:
    """One worker process."""

    worker_id: str
    hostname: str
    pid: int
    #: Different on every start, so a worker restarted under the same id can tell the leases of
    #: its previous life (to recover) from its own (to keep).
    instance: str = ""

    @classmethod
    def current(cls, worker_id: str | None = None) -> WorkerIdentity:
        """Return this process's identity; the id defaults to HOST:PID."""
        hostname = socket.gethostname()
        pid = os.getpid()
        return cls(
            worker_id=worker_id or f"{hostname}:{pid}",
            hostname=hostname,
            pid=pid,
            instance=secrets.token_hex(3),
        )

    @property
    def lease_owner(self) -> str:
        """Return the name this process writes on the leases it holds."""
        return f"{self.worker_id}/{self.instance}" if self.instance else self.worker_id

    @property
    def actor_label(self) -> str:
        """Return how the audit trail names this worker, e.g. "worker:host:1234"."""
        return f"worker:{self.worker_id}"
