"""A wheel built from the checkout installs and runs a styled Gatepost with no checkout in sight.

The wheel is built as `pip install .` builds it (isolated, with the setuptools pyproject.toml asks
for, the same build requirements `make install-test` fetched), from a copy of the checkout's files
with its node_modules beside them. It is installed into a plain venv outside the checkout. That
venv reaches the shared venv's dependencies through one .pth file listing its site-packages;
Python does not run the .pth files of a directory added that way, so the shared venv's editable
finder, which would import Gatepost from the checkout, never loads. The installed copy is then
checked to be the one imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from scheduler.core import schema
from tests.support.page_assets import requested_assets
from tests.support.processes import PROJECT_ROOT, free_port, stop, wait_for_http

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    """A venv holding Gatepost installed from its wheel, and what building it printed."""

    venv: Path
    build_output: str
    install_output: str

    def command(self, name: str) -> Path:
        """Return the path of a command installed in the venv."""
        return self.venv / "bin" / name


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    assert result.returncode == 0, f"{args} exited with {result.returncode}:\n{result.stdout}"
    return result.stdout


def _outside_env(home: Path) -> dict[str, str]:
    # Nothing that points Python back at the checkout, nor any GATEPOST_* of the test run.
    keep = {"PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env["HOME"] = str(home)
    return env


def _copy_checkout(target: Path) -> None:
    listed = _run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=PROJECT_ROOT)
    for name in filter(None, listed.split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
    node_modules = (PROJECT_ROOT / "node_modules").resolve()
    assert (node_modules / "govuk-frontend").is_dir(), "run `npm ci` first (make install-test)"
    (target / "node_modules").symlink_to(node_modules)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build Gatepost's wheel and install it into a fresh venv outside the checkout."""
    root = tmp_path_factory.mktemp("wheel")
    source, wheelhouse, venv = root / "source", root / "wheelhouse", root / "venv"
    _copy_checkout(source)
    build_output = _run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", wheelhouse, source],
        cwd=root,
    )
    (wheel,) = wheelhouse.glob("gatepost-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root)
    (site_packages,) = venv.glob("lib/python*/site-packages")
    dependencies = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (site_packages / "shared-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python"]
    install_output = _run([*pip, "install", "-v", "--no-deps", "--no-index", wheel], cwd=root)
    return Installed(venv, build_output, install_output)


def test_building_and_installing_the_wheel_prints_no_setuptools_packaging_warning(
    installed: Installed,
) -> None:
    assert "Created wheel for gatepost" in installed.build_output
    assert "Package would be ignored" not in installed.build_output
    assert "Package would be ignored" not in installed.install_output
    assert "Successfully installed gatepost" in installed.install_output


def test_the_installed_gatepost_is_imported_from_the_venv_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    script = "import config, migrations, scheduler, web; print(web.__file__, migrations.__file__)"
    printed = _run([installed.command("python"), "-c", script], tmp_path, _outside_env(tmp_path))
    for path in printed.split():
        assert Path(path).is_relative_to(installed.venv), printed


def test_the_installed_gatepost_migrates_and_serves_styled_pages_outside_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    env = _outside_env(tmp_path) | {"GATEPOST_INSTANCE_PATH": str(tmp_path / "instance")}
    port = free_port()
    process = subprocess.Popen(
        [installed.command("gatepost"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/sign-in", process)
        with urllib.request.urlopen(f"{base}/sign-in") as response:  # noqa: S310 - localhost
            page = response.read().decode()
        assert '<h1 class="govuk-heading-l">Sign in</h1>' in page
        served = {}
        for url in requested_assets(page):
            with urllib.request.urlopen(base + url) as response:  # noqa: S310 - localhost
                served[url] = (
                    response.status,
                    response.headers.get_content_type(),
                    response.read(),
                )
    finally:
        output = stop(process)
    assert "GOV.UK Frontend is not installed" not in output
    assert {url: status for url, (status, _, _) in served.items()} == dict.fromkeys(served, 200)
    stylesheets = [body for status, kind, body in served.values() if kind == "text/css"]
    assert any(b".govuk-generic-header" in body for body in stylesheets), list(served)
    assert any(url.startswith("/assets/govuk-frontend.min.js") for url in served), list(served)
    current = _run([installed.command("gatepost"), "db", "current"], tmp_path, env)
    assert f"current: {schema.head_revision()}" in current.splitlines()
