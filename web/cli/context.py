"""What every CLI command shares: settings, the database, one unit of work, clear errors."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, ParamSpec, TypeVar

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from config import Settings, SettingsError, load_settings
from scheduler.core.database import Database, DatabaseUnavailable
from scheduler.core.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_REFUSED = 1
EXIT_BAD_SETTINGS = 2
EXIT_NO_DATABASE = 3


class CliContext:
    """Settings and database, loaded on first use so `--help` needs neither."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._database: Database | None = None

    @property
    def settings(self) -> Settings:
        """Return the settings, loading them from the environment once."""
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def database(self) -> Database:
        """Return the database, checking once that it can be reached."""
        if self._database is None:
            database = Database(self.settings.database_url)
            database.check_connection()
            self._database = database
        return self._database

    def close(self) -> None:
        """Release the database's connections."""
        if self._database is not None:
            self._database.dispose()
            self._database = None

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Yield a session that commits once at the end of the command."""
        with self.database.unit_of_work() as session:
            yield session


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    """Print one line saying what went wrong and exit with the given status."""
    click.echo(f"gatepost: error: {message}", err=True)
    sys.exit(code)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn settings, database and domain errors into one clear line and an exit status."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SettingsError as error:
            fail(f"bad setting: {error}", EXIT_BAD_SETTINGS)
        except DatabaseUnavailable as error:
            fail(str(error), EXIT_NO_DATABASE)
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            fail(f"database error: {reason}", EXIT_NO_DATABASE)
        except DomainError as error:
            fail(error.message, EXIT_REFUSED)

    return wrapper


def echo_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as a plain aligned table with a header line."""
    widths = {
        column: max([len(column), *(len(str(row[column])) for row in rows)]) for column in columns
    }
    click.echo("  ".join(column.upper().ljust(widths[column]) for column in columns).rstrip())
    for row in rows:
        click.echo("  ".join(str(row[column]).ljust(widths[column]) for column in columns).rstrip())
