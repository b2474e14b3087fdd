"""Start Gatepost's own commands as real processes for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

GATEPOST = [sys.executable, "-c", "from web.cli import main; main()"]
#: The checkout under test; subprocesses import Gatepost from here, not from site-packages.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Return a TCP port on localhost that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def gatepost_env(extra: Mapping[str, str]) -> dict[str, str]:
    """Return the environment for a Gatepost process: this one's, minus GATEPOST_*, plus extra."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GATEPOST_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def start_gatepost(args: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.Popen[str]:
    """Start `gatepost ARGS` in the background."""
    return subprocess.Popen(
        [*GATEPOST, *args],
        env=gatepost_env(env),
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_http(url: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Wait until the URL answers, failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"process exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - localhost only
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen[str]) -> str:
    """Stop the process and return everything it printed."""
    process.terminate()
    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""
