"""Domain errors: each refusal says what went wrong and what to do instead."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of Gatepost refused the action; the message is fit to show to a person."""

    #: A short, stable code for API clients.
    code = "refused"
    #: Whether what was done before the refusal is still to be saved: only where recording the
    #: failure is the point (a counted sign-in attempt), and nothing else was changed before it.
    keeps_changes = False

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing named does not exist (or the person may not know that it does)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The person's role, access list or separation of duties forbids the action."""

    code = "forbidden"


class InvalidTransition(DomainError):
    """The post is not in a state from which the action is allowed."""

    code = "invalid_state"


class Conflict(DomainError):
    """Someone else changed the same thing first; reload and try again."""

    code = "conflict"


class ValidationFailed(DomainError):
    """The input is not acceptable; the message says which field and how to fix it."""

    code = "invalid"
