"""Throwaway test databases on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from scheduler.core.database import normalise_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    """Return the PostgreSQL server tests may use (GATEPOST_TEST_POSTGRES_URL overrides)."""
    return normalise_url(os.environ.get("GATEPOST_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))


def postgres_unreachable_reason() -> str | None:
    """Return why PostgreSQL cannot be used for tests, or None when it can."""
    url = postgres_admin_url()
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        first_line = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"PostgreSQL not reachable at {make_url(url).render_as_string()} ({first_line})"
    finally:
        engine.dispose()
    return None


@contextmanager
def temporary_database(backend: str, directory: Path) -> Iterator[str]:
    """Yield the URL of a new empty database, and remove it afterwards."""
    if backend == "sqlite":
        path = directory / f"gatepost-{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        return
    admin_url = postgres_admin_url()
    name = f"gatepost_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _run_as_admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _run_as_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_as_admin(admin_url: str, statement: str) -> None:
    # A connection of its own, closed at once: a session makes hundreds of databases, and an
    # admin connection kept open for each until it is dropped ran PostgreSQL out of its 100.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def query_file_alone(path: Path, copy: Path, sql: str) -> list[tuple[object, ...]] | None:
    """Run `sql` on a copy of an SQLite database file without its log (None: no such table).

    What the copy holds is what a checkpoint has put in the file itself.
    """
    shutil.copyfile(path, copy)
    with contextlib.closing(sqlite3.connect(copy)) as connection:
        try:
            return connection.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return None
