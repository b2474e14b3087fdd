"""Error pages for 400, 403, 404, 405, 413 and 500 (problem documents under /api/)."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from web.api.problems import is_api_request, problem_for_exception

_TITLES = {
    400: "The request could not be understood",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The upload is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def register_errorhandlers(app: Flask) -> None:
    """Render a page for each HTTP error, and a calm one for unexpected failures."""

    def render_http_error(error: HTTPException) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_for_exception(error)
        status = error.code or 500
        title = _TITLES.get(status, error.name)
        return render_template(
            "errors/error.html", status=status, title=title, description=error.description
        ), status

    def render_unexpected(error: Exception) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_for_exception(error)
        app.logger.exception("Unhandled error", exc_info=error)
        return render_template(
            "errors/error.html", status=500, title=_TITLES[500], description=None
        ), 500

    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(Exception, render_unexpected)
