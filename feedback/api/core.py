"""The API object, bearer-token authentication, and the error envelope of the OpenAPI document."""

from __future__ import annotations

from functools import wraps

import marshmallow as ma
from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api as SmorestApi
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from feedback.auth.services import user_for_token
from feedback.errors import Forbidden

# marshmallow's messages that clients can see; listed so that extraction finds them and the
# error handler can translate them.
MARSHMALLOW_MESSAGES = (
    _l("Missing data for required field."),
    _l("Not a valid integer."),
    _l("Not a valid string."),
    _l("Not a valid email address."),
    _l("Not a valid boolean."),
    _l("Not a valid date."),
    _l("Unknown field."),
    _l("Invalid input type."),
    _l("Invalid JSON body."),
    _l("Field may not be null."),
)


class ErrorDetail(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Machine-readable error code", "example": "invalid"})
    message = ma.fields.String(required=True, metadata={"description": "A sentence for people, in the request's language"})
    fields = ma.fields.Dict(required=True, metadata={"description": "Field name → message, for the fields that were refused"})


class ErrorEnvelope(ma.Schema):
    error = ma.fields.Nested(ErrorDetail, required=True)


class Api(SmorestApi):
    """flask-smorest, with our error envelope and without its app-wide error handler.

    The app's own handler (feedback.errorpages) answers JSON under /api/ and pages elsewhere.
    """

    ERROR_SCHEMA = ErrorEnvelope

    def _register_error_handlers(self):
        pass


def make_api(app) -> Api:
    """One Api object per application (kept in app.extensions, never a module global)."""
    api = Api(app, spec_kwargs={
        "info": {"description": "Complaints, petitions and the procedure catalogue of Vietnamese "
                                "public administration units. Errors always have the shape "
                                "{\"error\": {\"code\", \"message\", \"fields\"}}."},
        "servers": [{"url": "/"}],
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.extensions["feedback.api"] = api
    return api


def register_api(app, *blueprints) -> None:
    """Put API blueprints into the app's JSON API (and its OpenAPI document). They answer bearer
    tokens, not session cookies, so the forms' CSRF check does not apply to them."""
    from feedback.extensions import csrf

    api = app.extensions["feedback.api"]
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)


def bearer_user():
    """The staff member whose valid bearer token came with the request, or None."""
    # Kept on the request, not on g: an app context (and its g) may outlive one request.
    if not hasattr(request, "feedback_api_user"):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        request.feedback_api_user = (user_for_token(token.strip())
                                     if scheme.lower() == "bearer" and token.strip() else None)
    return request.feedback_api_user


def unauthorized() -> Unauthorized:
    return Unauthorized(www_authenticate=WWWAuthenticate("bearer", {"realm": "feedback"}))


def token_required(*roles: str):
    """Require a valid bearer token (POST /api/v1/auth/token); optionally one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = bearer_user()
            if user is None:
                raise unauthorized()
            if roles and user.role not in roles:
                raise Forbidden(_l("Your role does not allow this."))
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator
