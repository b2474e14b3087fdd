"""Security headers on every response: CSP, framing, sniffing, referrer, HSTS and caching."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

# Scripts and styles come only from files this site serves: no inline script, no inline style.
# Images may also be data: URIs (the 2FA QR code is rendered server-side as one).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
#: Endpoints whose responses are the same for everyone and may be cached by the browser.
CACHEABLE_ENDPOINTS = frozenset({"static", "govuk_frontend.asset"})


def register_security_headers(app: Flask, *, behind_tls: bool) -> None:
    """Add the security headers to every response the app sends."""

    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if behind_tls:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            # Pages carry personal data, embargoed text and CSRF tokens: never keep a copy.
            headers["Cache-Control"] = "no-store"
        return response

    app.after_request(add_headers)
