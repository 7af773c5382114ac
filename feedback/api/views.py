"""API v1 endpoints of the core: tokens, units, procedures."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from feedback.api import schemas
from feedback.api.core import token_required
from feedback.auth.models import User
from feedback.auth.services import authenticate, issue_token, normalise_email, revoke_token, tokens_of, \
    wrong_credentials
from feedback.errors import Invalid, NotFound
from feedback.extensions import db
from feedback.ratelimit import limited
from feedback.procedures.services import search_procedures
from feedback.transaction import run
from feedback.units.models import Unit
from feedback.units.services import create_unit, list_units

auth_bp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens for staff")
units_bp = Blueprint("api_units", __name__, url_prefix="/api/v1/units", description="The unit tree (public)")
procedures_bp = Blueprint("api_procedures", __name__, url_prefix="/api/v1/procedures",
                          description="The procedure catalogue (public)")


@auth_bp.route("/token", methods=["POST"])
@limited("RATELIMIT_LOGIN")
@auth_bp.arguments(schemas.TokenRequest)
@auth_bp.response(201, schemas.TokenResponse)
@auth_bp.alt_response(401, response="UNAUTHORIZED")
@auth_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@auth_bp.alt_response(429, response="TOO_MANY_REQUESTS")
def create_token(body):
    """Exchange a staff e-mail and password for a bearer token."""
    # Two steps: a failed password is counted (committed) before the refusal.
    user = run(lambda: authenticate(body["email"], body["password"]))
    if user is None:
        raise wrong_credentials()
    token, record = run(lambda: issue_token(user, body["label"]))
    return {"id": record.id, "token": token, "token_type": "Bearer",  # nosec B105  # the scheme's name
            "expires_at": record.expires_at}


@auth_bp.route("/tokens", methods=["GET"])
@auth_bp.doc(security=[{"bearerAuth": []}])
@token_required()
@auth_bp.arguments(schemas.TokenQuery, location="query")
@auth_bp.response(200, schemas.TokenList)
@auth_bp.alt_response(401, response="UNAUTHORIZED")
@auth_bp.alt_response(404, response="NOT_FOUND")
@auth_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def tokens(query):
    """The caller's valid tokens (`all=true`: every one); administrators may ask for another account's."""
    owner = g.api_user
    if query.get("user"):
        owner = db.session.scalar(select(User).where(User.email == normalise_email(query["user"])))
        if owner is None or not (g.api_user.is_admin or owner.id == g.api_user.id):
            raise NotFound(_("No account has this e-mail."), {"user": _("Unknown account.")})
    return {"items": tokens_of(owner, include_ended=query["all"])}


@auth_bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@auth_bp.doc(security=[{"bearerAuth": []}])
@token_required()
@auth_bp.response(200, schemas.TokenOut)
@auth_bp.alt_response(401, response="UNAUTHORIZED")
@auth_bp.alt_response(404, response="NOT_FOUND")
def revoke(token_id):
    """Revoke a token: one's own, or any as an administrator (another's: 404, as if absent)."""
    return run(lambda: revoke_token(token_id, g.api_user))


@units_bp.route("", methods=["GET"])
@units_bp.arguments(schemas.UnitQuery, location="query")
@units_bp.response(200, schemas.UnitList)
@units_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def units(query):
    """Every unit with its parent and the dates it exists, ordered by code."""
    on = query.get("on")
    return {"items": list_units(current_only=on is not None, on=on)}


@units_bp.route("", methods=["POST"])
@units_bp.doc(security=[{"bearerAuth": []}])
@token_required("admin")
@units_bp.arguments(schemas.UnitIn)
@units_bp.response(201, schemas.UnitOut)
@units_bp.alt_response(401, response="UNAUTHORIZED")
@units_bp.alt_response(403, response="FORBIDDEN")
@units_bp.alt_response(409, response="CONFLICT")
@units_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def create_unit_endpoint(body):
    """Create a unit (administrators only)."""
    parent = None
    if body.get("parent"):
        parent = db.session.scalar(select(Unit).where(Unit.code == body["parent"]))
        if parent is None:
            raise Invalid(_("No unit has the code %(code)s.", code=body["parent"]), {"parent": _("Unknown unit.")})
    return run(lambda: create_unit(body["code"], body["name"], body["kind"], parent=parent,
                                   valid_from=body.get("valid_from"), valid_until=body.get("valid_until")))


@procedures_bp.route("", methods=["GET"])
@procedures_bp.arguments(schemas.ProcedureQuery, location="query")
@procedures_bp.response(200, schemas.ProcedurePage)
@procedures_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def procedures(query):
    """The procedure catalogue, a page at a time, optionally for one unit or matching words."""
    unit = None
    if query.get("unit"):
        unit = db.session.scalar(select(Unit).where(Unit.code == query["unit"]))
        if unit is None:
            raise Invalid(_("No unit has the code %(code)s.", code=query["unit"]), {"unit": _("Unknown unit.")})
    limit = query["limit"]
    rows = search_procedures(q=query.get("q", ""), unit=unit, after=query.get("after"), limit=limit + 1)
    return {"items": rows[:limit], "next": rows[limit - 1].code if len(rows) > limit else None}
