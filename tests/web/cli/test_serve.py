"""`gatepost serve --demo` on an empty machine: migrates, seeds, serves the sign-in page."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import free_port, start_gatepost, stop, wait_for_http


@pytest.mark.slow
def test_serve_demo_on_an_empty_instance_serves_sign_in(tmp_path: Path) -> None:
    port = free_port()
    process = start_gatepost(
        ["serve", "--demo", "--port", str(port)],
        {"GATEPOST_INSTANCE_PATH": str(tmp_path / "instance")},
        cwd=tmp_path,
    )
    try:
        # Migrating and seeding take seconds; far longer on a busy machine.
        wait_for_http(f"http://127.0.0.1:{port}/sign-in", process, timeout=120)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in") as response:
            page = response.read().decode()
            server = response.headers["Server"]
        assert '<h1 class="govuk-heading-l">Sign in</h1>' in page
        assert server == "Gatepost"  # waitress, not the Flask development server
    finally:
        output = stop(process)
    assert f"Gatepost is running at http://localhost:{port}/" in output
    assert "email lead@demo.gatepost.test  password demo-lead-password" in output
    # Started as `python -c ...`, not a `gatepost` script: the hint names the command itself.
    assert "  gatepost demo code --user approver@demo.gatepost.test\n" in output
    assert (tmp_path / "instance" / "gatepost.sqlite3").exists()
