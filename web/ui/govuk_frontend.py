"""Serve the GOV.UK Design System's compiled CSS and JavaScript, from the package or node_modules.

A built Gatepost (a wheel, `pip install .`) carries the pinned govuk-frontend's compiled files in
web/vendor/govuk-frontend/ (setup.py copies them there at build time). A checkout serves them from
`node_modules/` at its top, where `npm ci` puts them; nothing from either is committed. Only the
compiled stylesheet and script are served: the package's fonts (GDS Transport) and images (the
crown) are for services on GOV.UK only, and a self-hosted Gatepost is not one
(web/static/css/gatepost.css points the font name at system fonts). Without the files, pages
still work, unstyled and without the components' scripts, never asking for the missing files,
and start-up logs one warning.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory, url_for
from werkzeug.wrappers import Response

#: The copy inside a built package, laid out as in node_modules; setup.py's VENDORED names it too.
VENDORED_DIR = Path(__file__).resolve().parents[1] / "vendor" / "govuk-frontend"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path("node_modules", "govuk-frontend")
DIST_SUBDIR = Path("dist", "govuk")
#: The only files served.
COMPILED_FILES = frozenset(
    {
        "govuk-frontend.min.css",
        "govuk-frontend.min.css.map",
        "govuk-frontend.min.js",
        "govuk-frontend.min.js.map",
    }
)
# Files change only with the pinned version, whose number is added to their URLs, so browsers
# may keep them for a day without asking.
CACHE_SECONDS = 24 * 60 * 60
_CONFIG_KEY = "GOVUK_FRONTEND"

logger = logging.getLogger(__name__)
blueprint = Blueprint("govuk_frontend", __name__)


class GovukFrontend:
    """Where the govuk-frontend package is, if installed, and which version it is."""

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir
        self.dist = package_dir / DIST_SUBDIR
        self.installed = (self.dist / "govuk-frontend.min.css").is_file()
        self.version = _read_version(package_dir) if self.installed else ""


def register_govuk_frontend(app: Flask, package_dir: Path | None = None) -> GovukFrontend:
    """Serve govuk-frontend's files under /assets/, warning once if they are nowhere to be found."""
    frontend = _find(package_dir)
    if not frontend.installed:
        logger.warning(
            "GOV.UK Frontend is not installed (no %s): pages will be unstyled. Run `npm ci` "
            "(or `make install`) at the top of the Gatepost checkout.",
            frontend.dist,
        )
    app.extensions[_CONFIG_KEY] = frontend
    app.register_blueprint(blueprint)
    app.add_template_global(govuk_asset_url)
    # A value, not a function: templates ask `{% if govuk_frontend_installed %}`.
    app.jinja_env.globals["govuk_frontend_installed"] = frontend.installed
    return frontend


def _find(package_dir: Path | None) -> GovukFrontend:
    if package_dir is not None:
        return GovukFrontend(package_dir)
    vendored = GovukFrontend(VENDORED_DIR)
    return vendored if vendored.installed else GovukFrontend(PROJECT_ROOT / PACKAGE_DIR)


@blueprint.route("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """Send govuk-frontend's compiled stylesheet or script."""
    frontend: GovukFrontend = current_app.extensions[_CONFIG_KEY]
    if not frontend.installed or filename not in COMPILED_FILES:
        abort(404)
    return send_from_directory(frontend.dist, filename, max_age=CACHE_SECONDS)


def govuk_asset_url(filename: str) -> str:
    """Return the URL of a govuk-frontend file, versioned so a new release is fetched afresh."""
    frontend: GovukFrontend = current_app.extensions[_CONFIG_KEY]
    return url_for("govuk_frontend.asset", filename=filename, v=frontend.version or None)


def _read_version(package_dir: Path) -> str:
    try:
        version = json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return ""
    return str(version)
