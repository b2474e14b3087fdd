"""Who a worker is: its id in leases and heartbeats, and its name in the audit trail."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerIdentity:
    """One worker process."""

    worker_id: str
    hostname: str
    pid: int

    @classmethod
    def current(cls, worker_id: str | None = None) -> WorkerIdentity:
        """Return this process's identity; the id defaults to HOST:PID."""
        hostname = socket.gethostname()
        pid = os.getpid()
        return cls(worker_id=worker_id or f"{hostname}:{pid}", hostname=hostname, pid=pid)

    @property
    def actor_label(self) -> str:
        """Return how the audit trail names this worker, e.g. "worker:host:1234"."""
        return f"worker:{self.worker_id}"
