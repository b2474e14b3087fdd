"""Serve the GOV.UK Design System's compiled CSS and JavaScript from node_modules.

`npm ci` puts the pinned govuk-frontend package in `node_modules/` at the top of the checkout;
nothing from it is committed. Only the compiled stylesheet and script are served: the package's
fonts (GDS Transport) and images (the crown) are for services on GOV.UK only, and a self-hosted
Gatepost is not one (web/static/css/gatepost.css points the font name at system fonts). Without
the package, pages still work, unstyled, and start-up logs one warning.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory, url_for
from werkzeug.wrappers import Response

PROJECT_ROOT = Path(__file__).resolve().parents[1]
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
    """Serve govuk-frontend's files under /assets/, warning once if `npm ci` has not been run."""
    frontend = GovukFrontend(package_dir or PROJECT_ROOT / PACKAGE_DIR)
    if not frontend.installed:
        logger.warning(
            "GOV.UK Frontend is not installed (no %s): pages will be unstyled. Run `npm ci` "
            "(or `make install`) at the top of the Gatepost checkout.",
            frontend.dist,
        )
    app.extensions[_CONFIG_KEY] = frontend
    app.register_blueprint(blueprint)
    app.add_template_global(govuk_asset_url)
    return frontend


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
