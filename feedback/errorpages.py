"""Error answers: one JSON shape under /api/, a page in the user's language elsewhere."""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from feedback.errors import Busy, ServiceError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
    500: "internal_error", 503: "busy",
}


def default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Sign in or send a valid bearer token."),
        403: _("You are not allowed to do this."),
        404: _("Nothing was found at this address."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The request is too large."),
        415: _("This content type is not accepted."),
        422: _("Some fields are not valid."),
        429: _("Too many requests: please wait a moment and try again."),
        500: _("Something went wrong on our side. Nothing was changed; please try again."),
    }
    return messages.get(status, _("The request could not be completed."))


def error_body(status: int, message: str | None = None, fields: dict | None = None, code: str | None = None) -> dict:
    return {"error": {"code": code or CODES.get(status, "error"), "message": message or default_message(status),
                      "fields": fields or {}}}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        headers = dict(exc.get_response().headers) if status in (401, 405, 429) else {}
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        data = getattr(exc, "data", None) or {}
        if wants_json():
            fields = _by_field(data.get("fields") or data.get("messages") or data.get("errors") or {})
            return jsonify(error_body(status, data.get("message"), _translate(fields))), status, headers
        return render_template("errors.html", status=status, message=default_message(status)), status, headers

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("The form expired or was sent from another page. Go back, reload the page and send it again.")
        if wants_json():
            return jsonify(error_body(400, message)), 400
        return render_template("errors.html", status=400, message=message), 400

    @app.errorhandler(Busy)
    def busy(exc: Busy):
        if wants_json() or request.method != "POST" or not request.form:
            return service_error(exc)
        # A web form: its values come back on a page that sends them again (files cannot be kept).
        kept = [(name, value) for name, value in request.form.items(multi=True) if "password" not in name]
        return render_template("busy.html", message=str(exc.message), kept=kept), exc.status

    @app.after_request
    def retry_after(response):
        if response.status_code == 503 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(app.config["BUSY_RETRY_AFTER"])
        return response

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else {}
        if wants_json():
            return jsonify(error_body(exc.status, str(exc.message), exc.fields, exc.code)), exc.status, headers
        return (render_template("errors.html", status=exc.status, message=str(exc.message), fields=exc.fields),
                exc.status, headers)

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=getattr(exc, "original_exception", None))
        if wants_json():
            return jsonify(error_body(500)), 500
        return render_template("errors.html", status=500, message=default_message(500)), 500


LOCATIONS = {"json", "query", "form", "headers", "files", "view_args", "cookies", "path"}


def _by_field(messages) -> dict:
    """webargs groups its messages by location; clients want them by field name."""
    if not isinstance(messages, dict):
        return {"body": messages}
    if not set(messages) <= LOCATIONS:
        return messages
    fields = {}
    for location, group in messages.items():
        if isinstance(group, dict):
            fields.update(_dotted(group))
        else:
            fields["body" if location in ("json", "form") else location] = group
    return fields


def _dotted(messages: dict, prefix: str = "") -> dict:
    """{"contact": {"phone": [...]}} becomes {"contact.phone": [...]}, as the services name fields."""
    flat = {}
    for name, value in messages.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_dotted(value, key + "."))
        else:
            flat[key] = value
    return flat


# marshmallow's messages with values in them: the English pattern, and ours with the same values.
PARAMETRISED = [
    (re.compile(r"Longer than maximum length (?P<max>\d+)\."), lambda: _("At most %(max)s characters.")),
    (re.compile(r"Shorter than minimum length (?P<min>\d+)\."), lambda: _("At least %(min)s characters.")),
    (re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."),
     lambda: _("From %(min)s to %(max)s characters.")),
    (re.compile(r"Must be greater than or equal to (?P<min>-?[\d.]+) and less than or equal to (?P<max>-?[\d.]+)\."),
     lambda: _("A number from %(min)s to %(max)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>-?[\d.]+)\."), lambda: _("A number of %(min)s or more.")),
    (re.compile(r"Must be less than or equal to (?P<max>-?[\d.]+)\."), lambda: _("A number of %(max)s or less.")),
    (re.compile(r"Must be one of: (?P<choices>.*)\."), lambda: _("One of: %(choices)s.")),
    (re.compile(r"Not a valid (?:aware )?datetime\."),
     lambda: _("Not a valid date and time (ISO 8601 with its time zone, e.g. 2026-03-05T09:30:00+07:00).")),
]


def _translate_one(message: str) -> str:
    for pattern, template in PARAMETRISED:
        found = pattern.fullmatch(message)
        if found:
            return template() % found.groupdict()
    return _(message)


def _translate(fields):
    """Translate marshmallow's English messages through our catalogue."""
    if isinstance(fields, dict):
        return {key: _translate(value) for key, value in fields.items()}
    if isinstance(fields, list):
        if all(isinstance(item, str) for item in fields):
            return " ".join(_translate_one(item) for item in fields)
        return [_translate(item) for item in fields]
    return _translate_one(fields) if isinstance(fields, str) else fields
