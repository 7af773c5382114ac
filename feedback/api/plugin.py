"""Registers the API blueprints and their OpenAPI document at /api/v1/openapi.json."""

from feedback.hookspecs import hookimpl


# First, so that plugins can add their own API blueprints to the API object it creates.
@hookimpl(tryfirst=True)
def feedback_register_blueprints(app):
    from feedback.api.core import make_api, register_api
    from feedback.api.items import bp as items_bp
    from feedback.api.views import auth_bp, procedures_bp, units_bp

    make_api(app)
    register_api(app, auth_bp, units_bp, procedures_bp, items_bp)
    # Registered on the app through the API object, which records them in the document.
    return []
