"""Engines and sessions for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: SQLite folds its write-ahead log into the database once the log holds this many pages (4 KiB
#: each). SQLite's own default, 1,000, made a release-day burst stop for a checkpoint every few
#: batches; at 16,384 (64 MiB) a burst of 10,000 posts (about 31 MiB of log) runs without one, and
#: the worker checkpoints once its pass is over (`Database.checkpoint`).
SQLITE_AUTOCHECKPOINT_PAGES = 16_384


#: SQLite's primary result codes for a database it cannot write (the file or its folder became
#: read-only, or was moved) and cannot open: the connection that met one stays that way.
SQLITE_READONLY = 8
SQLITE_CANTOPEN = 14


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says which and why."""


def is_unavailable(error: BaseException) -> bool:
    """Return whether the error says the database is away (unreachable, locked, read-only)."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, SQLAlchemyOperationalError)
    # Straight from a driver (the checkpoint talks to SQLite without SQLAlchemy).
    return isinstance(error, sqlite3.OperationalError)


def first_line(error: BaseException) -> str:
    """Return the driver's own first line of a database error, without the SQL."""
    original = error.orig if isinstance(error, DBAPIError) and error.orig else error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def normalise_url(url: str) -> str:
    """Return the URL with PostgreSQL pointed at psycopg 3, the driver Gatepost ships with."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def build_engine(url: str, **options: Any) -> Engine:
    """Create an engine tuned for Gatepost's access pattern on SQLite or PostgreSQL."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"database_url: {url!r} is not a database URL; use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/NAME"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database or "", **options)
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseUnavailable(
            f"database_url: {parsed.get_backend_name()} is not supported; use SQLite or PostgreSQL"
        )
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **options)
    except NoSuchModuleError as error:
        raise DatabaseUnavailable(f"database_url: no driver for {url!r} ({error})") from None


def _sqlite_engine(url: str, path: str, **options: Any) -> Engine:
    if sqlite3.sqlite_version_info < (3, 35):
        raise DatabaseUnavailable(
            f"SQLite {sqlite3.sqlite_version} is too old: Gatepost needs 3.35 or newer "
            "(for UPDATE ... RETURNING); upgrade Python's SQLite or use PostgreSQL"
        )
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **options,
    )
    in_memory = path in ("", ":memory:")

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _discard_read_only(context: ExceptionContext) -> None:
        # A connection SQLite opened while the file could not be written (or opened) stays
        # read-only after the file is writable again: treat it as broken, so the pool opens
        # fresh connections instead of handing the same dead ones out for minutes.
        error = context.original_exception
        if isinstance(error, sqlite3.Error) and getattr(error, "sqlite_errorcode", 0) & 0xFF in (
            SQLITE_READONLY,
            SQLITE_CANTOPEN,
        ):
            context.is_disconnect = True

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
        # when another writer got in between; taking the write lock up front waits instead.
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """One engine and the session factories built on it."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = normalise_url(url)
        self.engine = build_engine(self.url, **engine_options)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # Read-only work on SQLite need not take the write lock.
        self.read_session_factory = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """Return "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def check_connection(self) -> None:
        """Connect once, or raise DatabaseUnavailable with one line that says why."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyOperationalError as error:
            raise DatabaseUnavailable(
                f"cannot reach the database at {make_url(self.url).render_as_string()}: "
                f"{first_line(error)}"
            ) from None

    def checkpoint(self) -> None:
        """Fold SQLite's write-ahead log into the database now, without waiting for readers."""
        if self.dialect != "sqlite":
            return
        with self.engine.connect() as connection:
            # Straight to the driver: SQLAlchemy would open a transaction first, and SQLite
            # cannot checkpoint from inside one.
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA wal_checkpoint(PASSIVE)").close()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Yield a session that commits at the end, or rolls back if anything raised."""
        with self.session_factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def with_session_factory(self, factory: sessionmaker[Session]) -> Database:
        """Return a copy whose sessions all come from the factory (tests bind one connection)."""
        clone = copy.copy(self)
        clone.session_factory = factory
        clone.read_session_factory = factory
        return clone

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
