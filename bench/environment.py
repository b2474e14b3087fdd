"""Where a workload runs: scratch databases, the settings file workers read, the machine."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scheduler.core.database import Database, normalise_url
from scheduler.core.schema import upgrade

REPOSITORY = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-0123456789abcdef"  # noqa: S105 (a scratch instance)


@dataclass
class Scratch:
    """A fresh, migrated database and a folder for its ledger, settings and logs."""

    backend: str
    url: str
    folder: Path
    database: Database

    @property
    def ledger(self) -> Path:
        """Return the mock platform's ledger for this run."""
        return self.folder / "mock-ledger.jsonl"

    def write_config(
        self,
        *,
        worker: dict[str, Any] | None = None,
        mock: dict[str, Any] | None = None,
        server_timing: bool = False,
        credential_keys: list[str] | None = None,
    ) -> Path:
        """Write the settings file workers and servers read (open all hours) and return it."""
        lines = [
            f'mock_ledger = "{self.ledger}"',
            f"server_timing = {_toml(server_timing)}",
            "[office_hours]",
            'start = "00:00"',
            'end = "23:59"',
            'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        ]
        if worker:
            lines.append("[worker]")
            lines += [f"{key} = {_toml(value)}" for key, value in worker.items()]
        if mock:
            lines.append("[mock]")
            lines += [f"{key} = {_toml(value)}" for key, value in mock.items()]
        if credential_keys:
            lines.append("[credentials]")
            lines.append(f"keys = {_toml(credential_keys)}")
        path = self.folder / "gatepost.toml"
        path.write_text("\n".join(lines) + "\n")
        return path

    def environment(self, config: Path) -> dict[str, str]:
        """Return the environment a `gatepost` subprocess needs for this run."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEPOST_")}
        env.update(
            GATEPOST_DATABASE_URL=self.url,
            GATEPOST_SECRET_KEY=SECRET_KEY,
            GATEPOST_CONFIG=str(config),
            GATEPOST_INSTANCE_PATH=str(self.folder / "instance"),
            PYTHONPATH=str(REPOSITORY),
        )
        return env


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@contextmanager
def scratch(backend: str, root: Path, postgres_url: str | None) -> Iterator[Scratch]:
    """Yield a fresh migrated database on the backend, dropped (or deleted) afterwards."""
    folder = root / f"{backend}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'gatepost.sqlite3'}"
        yield _migrated(backend, url, folder)
        return
    if postgres_url is None:
        raise ValueError("PostgreSQL workloads need --postgres URL")
    admin_url = normalise_url(postgres_url)
    name = f"gatepost_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        yield _migrated(backend, url, folder)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrated(backend: str, url: str, folder: Path) -> Scratch:
    database = Database(url)
    upgrade(database.engine)
    return Scratch(backend, url, folder, database)


@dataclass(frozen=True)
class Machine:
    """What the figures were measured on."""

    cpus: int
    memory_gb: float
    python: str
    sqlite: str
    postgresql: str | None
    platform: str
    date: str
    load_average: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))


def describe_machine(postgres_url: str | None) -> Machine:
    """Return the cores, memory, versions and load of this machine now."""
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    server = None
    if postgres_url:
        engine = create_engine(normalise_url(postgres_url))
        try:
            with engine.connect() as connection:
                server = str(connection.execute(text("SHOW server_version")).scalar())
        finally:
            engine.dispose()
    return Machine(
        cpus=os.cpu_count() or 1,
        memory_gb=round(memory_kb / 1024 / 1024, 1),
        python=sys.version.split()[0],
        sqlite=sqlite3.sqlite_version,
        postgresql=server,
        platform=platform.platform(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        load_average=os.getloadavg(),
    )


def gatepost_command() -> list[str]:
    """Return how to run the `gatepost` command from this checkout."""
    return [sys.executable, "-c", "from web.cli import main; main()"]


def git_revision() -> str:
    """Return the commit the benchmarks ran on (with + when the tree has changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if dirty else "")
