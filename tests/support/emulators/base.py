"""The server thread, clock, faults, rate limits and call record every platform emulator shares."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[["Emulator", "Call"], Response]
HandlerT = TypeVar("HandlerT", bound=Callable[..., Response])


def route(method: str, path: str, endpoint: str) -> Callable[[HandlerT], HandlerT]:
    """Mark an emulator method as the handler of one endpoint (werkzeug rule syntax)."""

    def mark(handler: HandlerT) -> HandlerT:
        routes: list[tuple[str, str, str]] = getattr(handler, "_emulator_routes", [])
        routes.append((method, path, endpoint))
        handler._emulator_routes = routes  # type: ignore[attr-defined]
        return handler

    return mark


class ManualClock:
    """A clock that only moves when told, so idempotency windows and token expiry are testable."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the emulator's current time as a Unix timestamp."""
        with self._lock:
            return self._now

    def datetime(self) -> datetime:
        """Return the emulator's current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        with self._lock:
            self._now += seconds


class FaultKind(StrEnum):
    """What an injected fault does to a call."""

    DELAY = "delay"  # wait, then answer normally (timeouts, latency)
    SERVER_ERROR = "server_error"  # a 5xx with the platform's error body; nothing is done
    RATE_LIMIT = "rate_limit"  # a 429 with Retry-After; nothing is done
    LOST_ANSWER = "lost_answer"  # the call takes effect, then the connection closes unanswered
    EXPIRED_TOKEN = "expired_token"  # the platform's expired-token refusal; nothing is done


@dataclass
class Fault:
    """One injected fault, for the next `times` calls (to `endpoint`, or to any endpoint)."""

    kind: FaultKind
    times: int = 1
    endpoint: str | None = None
    seconds: float = 0.0
    status: int = 503

    def matches(self, endpoint: str) -> bool:
        """Return whether this fault applies to a call to `endpoint`."""
        return self.times > 0 and self.endpoint in (None, endpoint)


@dataclass(frozen=True)
class RecordedCall:
    """One call the emulator received, and the status it answered (None: no answer was sent)."""

    method: str
    path: str
    endpoint: str
    headers: Mapping[str, str]
    body: bytes
    status: int | None
    at: float
    fault: FaultKind | None = None

    def json(self) -> Any:
        """Return the request body parsed as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class RateLimitState:
    """Where one caller stands in one rate-limit window."""

    limit: int
    remaining: int
    reset_at: float
    window: float

    @property
    def exceeded(self) -> bool:
        """Return whether this call went over the limit."""
        return self.remaining < 0


@dataclass
class RateLimit:
    """A fixed-window counter per caller, as the platforms document their limits."""

    limit: int
    window: float
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def hit(self, caller: str, now: float) -> RateLimitState:
        """Count one call by `caller` and return where it stands."""
        start, used = self._windows.get(caller, (now, 0))
        if now >= start + self.window:
            start, used = now, 0
        used += 1
        self._windows[caller] = (start, used)
        return RateLimitState(self.limit, self.limit - used, start + self.window, self.window)


@dataclass
class Call:
    """An incoming request as a handler sees it: the werkzeug request and the matched route."""

    request: Request
    endpoint: str
    args: dict[str, str]

    def json(self) -> Any:
        """Return the body parsed as JSON, or None when it is not JSON."""
        return self.request.get_json(silent=True)

    def bearer(self) -> str | None:
        """Return the bearer token of the Authorization header, if any."""
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Return a JSON response."""
    return Response(
        json.dumps(body), status=status, headers=dict(headers or {}), mimetype="application/json"
    )


def pkce_challenge(verifier: str) -> str:
    """Return the S256 PKCE code challenge of a verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without a log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Emulator(ABC):
    """A platform on 127.0.0.1: routes, state under one lock, faults, rate limits, a call record.

    Subclasses declare handlers with `@route(...)`; each handler runs under `self.lock` and
    returns a werkzeug Response. Latency and injected delays are slept outside the lock, so
    many slow calls overlap as they would on the real platform.
    """

    #: Rate-limit buckets: name -> (calls allowed, window in seconds).
    RATE_LIMITS: ClassVar[Mapping[str, tuple[int, float]]] = {}
    #: Which bucket an endpoint counts against; endpoints not listed count against "default".
    RATE_LIMIT_BUCKETS: ClassVar[Mapping[str, str]] = {}
    #: Endpoints that are never rate limited (e.g. OAuth).
    UNLIMITED: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, clock: ManualClock | None = None, latency: float = 0.0) -> None:
        self.clock = clock or ManualClock()
        #: Seconds every call waits before it is handled (the benchmark's 200 ms).
        self.latency = latency
        self.lock = threading.RLock()
        self.calls: list[RecordedCall] = []
        self.faults: list[Fault] = []
        self.rate_limits = {
            name: RateLimit(limit, window) for name, (limit, window) in self.RATE_LIMITS.items()
        }
        self._handlers: dict[str, Callable[[Call], Response]] = {}
        rules = []
        for klass in type(self).__mro__:
            for name, attribute in vars(klass).items():
                for method, path, endpoint in getattr(attribute, "_emulator_routes", ()):
                    rules.append(Rule(path, methods=[method], endpoint=endpoint))
                    self._handlers[endpoint] = getattr(self, name)
        self._url_map = Map(rules, strict_slashes=False)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve on a free port of 127.0.0.1 in a daemon thread."""
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits up to one interval
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Return the root URL the emulator answers on, without a trailing slash."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() or use it in a with")
        return f"http://127.0.0.1:{self._server.port}"

    # ---- faults ----------------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        """Apply `fault` to the next matching calls; return it so a test can inspect `times`."""
        with self.lock:
            self.faults.append(fault)
        return fault

    def delay_next(self, seconds: float, *, times: int = 1, endpoint: str | None = None) -> Fault:
        """Make the next calls wait `seconds` before they are handled (and then handled)."""
        return self.inject(Fault(FaultKind.DELAY, times, endpoint, seconds=seconds))

    def fail_next(self, status: int = 503, *, times: int = 1, endpoint: str | None = None) -> Fault:
        """Answer the next calls with a 5xx in the platform's error format, doing nothing."""
        return self.inject(Fault(FaultKind.SERVER_ERROR, times, endpoint, status=status))

    def rate_limit_next(
        self, retry_after: float = 60, *, times: int = 1, endpoint: str | None = None
    ) -> Fault:
        """Answer the next calls with a 429 carrying Retry-After, doing nothing."""
        return self.inject(Fault(FaultKind.RATE_LIMIT, times, endpoint, seconds=retry_after))

    def lose_next_answer(self, *, times: int = 1, endpoint: str | None = None) -> Fault:
        """Let the next calls take effect, then close the connection without an answer."""
        return self.inject(Fault(FaultKind.LOST_ANSWER, times, endpoint))

    def expire_token_next(self, *, times: int = 1, endpoint: str | None = None) -> Fault:
        """Refuse the next calls as the platform refuses an expired access token."""
        return self.inject(Fault(FaultKind.EXPIRED_TOKEN, times, endpoint))

    def set_rate_limit(self, limit: int, window: float, *, bucket: str = "default") -> None:
        """Replace one rate-limit bucket (counts start afresh)."""
        with self.lock:
            self.rate_limits[bucket] = RateLimit(limit, window)

    # ---- the record ------------------------------------------------------------------------

    def calls_to(self, endpoint: str) -> list[RecordedCall]:
        """Return the calls made to one endpoint, in order."""
        with self.lock:
            return [call for call in self.calls if call.endpoint == endpoint]

    # ---- what each platform supplies -------------------------------------------------------

    @abstractmethod
    def error_response(self, status: int, message: str) -> Response:
        """Return the platform's error body for a status (404, 5xx, ...)."""

    @abstractmethod
    def rate_limited_response(self, state: RateLimitState) -> Response:
        """Return the platform's 429 for a caller over its limit."""

    @abstractmethod
    def expired_token_response(self) -> Response:
        """Return the platform's refusal of an expired access token."""

    @abstractmethod
    def rate_limit_headers(self, state: RateLimitState) -> dict[str, str]:
        """Return the platform's rate-limit headers for a caller's state."""

    # ---- dispatch --------------------------------------------------------------------------

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(endpoint):
                    fault.times -= 1
                    return Fault(fault.kind, 1, endpoint, fault.seconds, fault.status)
        return None

    def _count_rate_limit(self, endpoint: str, request: Request) -> RateLimitState | None:
        if endpoint in self.UNLIMITED:
            return None
        bucket = self.RATE_LIMIT_BUCKETS.get(endpoint, "default")
        with self.lock:
            limiter = self.rate_limits.get(bucket)
            if limiter is None:
                return None
            caller = request.headers.get("Authorization") or request.remote_addr or "-"
            return limiter.hit(caller, self.clock.now())

    def _dispatch(self, request: Request) -> tuple[str, Response, FaultKind | None, bool]:
        """Answer one request; return its endpoint, response, fault, and whether to drop it."""
        try:
            endpoint, args = self._url_map.bind_to_environ(request.environ).match()
        except NotFound:
            return "-", self.error_response(404, "Not Found"), None, False
        except MethodNotAllowed:
            return "-", self.error_response(405, "Method Not Allowed"), None, False
        endpoint = str(endpoint)
        if self.latency:
            time.sleep(self.latency)
        fault = self._take_fault(endpoint)
        kind = fault.kind if fault else None
        if fault and fault.kind is FaultKind.DELAY:
            time.sleep(fault.seconds)
        if fault and fault.kind is FaultKind.SERVER_ERROR:
            return endpoint, self.error_response(fault.status, "injected fault"), kind, False
        if fault and fault.kind is FaultKind.RATE_LIMIT:
            now = self.clock.now()
            injected = RateLimitState(0, -1, now + fault.seconds, fault.seconds)
            response = self.rate_limited_response(injected)
            response.headers["Retry-After"] = str(int(fault.seconds))
            return endpoint, response, kind, False
        if fault and fault.kind is FaultKind.EXPIRED_TOKEN:
            return endpoint, self.expired_token_response(), kind, False
        state = self._count_rate_limit(endpoint, request)
        if state is not None and state.exceeded:
            return endpoint, self.rate_limited_response(state), kind, False
        with self.lock:
            response = self._handlers[endpoint](Call(request, endpoint, dict(args)))
        if state is not None:
            response.headers.update(self.rate_limit_headers(state))
        return endpoint, response, kind, kind is FaultKind.LOST_ANSWER

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        request = Request(environ)
        body = request.get_data(cache=True)
        try:
            endpoint, response, kind, drop = self._dispatch(request)
        finally:
            request.close()  # uploaded files are spooled to temporary files
        with self.lock:
            self.calls.append(
                RecordedCall(
                    request.method,
                    request.path,
                    endpoint,
                    dict(request.headers),
                    body,
                    None if drop else response.status_code,
                    self.clock.now(),
                    kind,
                )
            )
        if drop:
            # The call took effect; the client never hears so. Werkzeug treats the failed
            # write that follows as a dropped connection.
            connection: socket.socket = environ["werkzeug.socket"]
            connection.shutdown(socket.SHUT_RDWR)
        return iter(response(environ, start_response))
