"""Error pages and domain refusals as HTML, or as problem documents under /api/."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from scheduler.core.errors import NotFound, PermissionDenied
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

    def render(status: int, description: str | None, title: str | None = None) -> tuple[str, int]:
        return render_template(
            "errors/error.html",
            status=status,
            title=title or _TITLES.get(status, "Something went wrong"),
            description=description,
        ), status

    def render_http_error(error: HTTPException) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_for_exception(error)
        status = error.code or 500
        # Werkzeug's stock descriptions speak to developers; only a view's own one is shown.
        own = error.description if error.description != type(error).description else None
        return render(status, own, _TITLES.get(status, error.name))

    def render_csrf_error(_error: CSRFError) -> tuple[str, int]:
        return render(
            400,
            "The form had expired or came from somewhere else. Go back, reload the page and "
            "try again.",
            "The form could not be sent",
        )

    def render_permission_denied(error: PermissionDenied) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_for_exception(error)
        return render(403, error.message)

    def render_not_found(error: NotFound) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_for_exception(error)
        return render(404, error.message)

    def render_unexpected(error: Exception) -> tuple[str, int] | Response:
        if is_api_request():
            return problem_for_exception(error)
        app.logger.exception("Unhandled error", exc_info=error)
        return render(500, None)

    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(PermissionDenied, render_permission_denied)
    app.register_error_handler(NotFound, render_not_found)
    app.register_error_handler(Exception, render_unexpected)
