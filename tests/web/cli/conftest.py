"""Fixtures for command-line tests: a fresh database per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from web.cli import main


class Gatepost:
    """Run `gatepost ...` in-process against one environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, expect: int | None = 0, stdin: str | None = None) -> Result:
        result = CliRunner().invoke(
            main, list(args), env=self.env, catch_exceptions=False, input=stdin
        )
        if expect is not None:
            assert result.exit_code == expect, (result.stdout, result.stderr)
        return result


@pytest.fixture
def gatepost(tmp_path: Path, backend: str, make_database_url: Callable[[str], str]) -> Gatepost:
    """Return a runner for a new, migrated instance."""
    runner = Gatepost(
        {
            "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance"),
            "GATEPOST_DATABASE_URL": make_database_url(backend),
            "GATEPOST_TIMEZONE": "Europe/London",
        }
    )
    runner("db", "upgrade")
    return runner
