"""Errors raised by services: one kind per answer the user gets, whatever the surface."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a message for people; ``fields`` maps a field name to its message."""

    status = 400
    code = "bad_request"

    def __init__(self, message, fields: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = dict(fields or {})


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Busy(ServiceError):
    """The database stayed locked (SQLite) or kept refusing to serialize (PostgreSQL) past the
    retries: nothing was stored; the client may send the same request again after Retry-After."""

    status = 503
    code = "busy"
