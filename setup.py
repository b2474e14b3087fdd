"""Build Gatepost with GOV.UK Frontend's compiled files inside the package.

npm is a build-time tool only: a wheel (and so `pip install .`) carries govuk-frontend's compiled
stylesheet, script and their source maps, with its package.json for the version, in
web/vendor/govuk-frontend/, laid out as in node_modules, where web/ui/govuk_frontend.py finds them.
An editable install serves them from the checkout's node_modules instead. Everything else about
the package is declared in setup.cfg.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent
NPM_PACKAGE = Path("node_modules", "govuk-frontend")
DIST = Path("dist", "govuk")
#: Where the copy goes inside the built package; web/ui/govuk_frontend.py names the same folder.
VENDORED = Path("web", "vendor", "govuk-frontend")
COMPILED_GLOB = "govuk-frontend.min.*"


class BuildPyWithGovukFrontend(build_py):
    """Build the Python package, then copy GOV.UK Frontend's compiled files into it."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            vendor_govuk_frontend(Path(self.build_lib) / VENDORED)


def vendor_govuk_frontend(target: Path) -> None:
    """Copy govuk-frontend's compiled files and package.json into target, running npm if need be."""
    source = ROOT / NPM_PACKAGE
    if not (source / DIST / "govuk-frontend.min.css").is_file():
        _npm_ci()
    compiled = sorted((source / DIST).glob(COMPILED_GLOB))
    if not compiled:
        raise SetupError(f"`npm ci` ran but left no {DIST / COMPILED_GLOB} in {source}.")
    shutil.rmtree(target, ignore_errors=True)
    (target / DIST).mkdir(parents=True)
    shutil.copy2(source / "package.json", target / "package.json")
    for path in compiled:
        shutil.copy2(path, target / DIST / path.name)


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None or not (ROOT / "package-lock.json").is_file():
        raise SetupError(
            f"GOV.UK Frontend's compiled files are missing ({NPM_PACKAGE} in {ROOT}) and npm is "
            "not available to fetch them: install Node.js/npm (or run `npm ci` at the top of "
            "the checkout), then build again."
        )
    subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True
    )


setup(cmdclass={"build_py": BuildPyWithGovukFrontend})
