"""Run real `gatepost worker` processes and watch them drain a burst."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import func, select

from bench.environment import Scratch, gatepost_command
from scheduler.models import Post, PostState

READY_LINE = "is running"
STARTUP_TIMEOUT = 60.0


@dataclass
class WorkerProcess:
    """One `gatepost worker` subprocess and its log."""

    process: subprocess.Popen[str]
    log: Path
    output: IO[str]

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """Return the process's peak resident memory so far (VmHWM), in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


def _start(scratch: Scratch, config: Path, name: str) -> WorkerProcess:
    log = scratch.folder / f"{name}.log"
    output = log.open("w")
    process = subprocess.Popen(
        [*gatepost_command(), "worker", "--worker-id", name],
        env=scratch.environment(config),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return WorkerProcess(process, log, output)


def _wait_ready(worker: WorkerProcess, deadline: float) -> None:
    while READY_LINE not in worker.log.read_text():
        if worker.process.poll() is not None:
            raise RuntimeError(f"worker exited at start:\n{worker.log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"worker not ready in {STARTUP_TIMEOUT:.0f} s")
        time.sleep(0.02)


@contextmanager
def running_workers(scratch: Scratch, config: Path, count: int) -> Iterator[list[WorkerProcess]]:
    """Start `count` workers, wait until each says it is running, and stop them afterwards."""
    workers = [_start(scratch, config, f"bench-worker-{number}") for number in range(count)]
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        for worker in workers:
            _wait_ready(worker, deadline)
        yield workers
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.output.close()


def wait_until_settled(scratch: Scratch, *, timeout: float) -> bool:
    """Wait until no post is scheduled or publishing; return False if the timeout came first."""
    posts = Post.__table__
    waiting = select(func.count()).where(
        posts.c.state.in_([PostState.SCHEDULED, PostState.PUBLISHING])
    )
    deadline = time.monotonic() + timeout
    with scratch.database.engine.connect() as connection:
        while time.monotonic() < deadline:
            if not connection.execute(waiting).scalar():
                return True
            connection.rollback()
            time.sleep(0.05)
    return False


def sleep_until(instant: datetime) -> None:
    """Sleep until the wall clock reaches the instant."""
    remaining = (instant - datetime.now(instant.tzinfo)).total_seconds()
    if remaining > 0:
        time.sleep(remaining)
