"""Accounts and API tokens: creation, password checks, token issue and look-up."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from feedback.auth.models import ROLES, ApiToken, User
from feedback.errors import Conflict, Invalid, Unauthenticated
from feedback.extensions import db
from feedback.timeutil import utcnow
from feedback.units.models import Unit

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_strength(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD:
        return _("A password has at least %(n)s characters.", n=MIN_PASSWORD)
    return None


def create_user(email: str, password: str, role: str, unit: Unit | None = None, name: str = "",
                title: str = "", password_hash: str | None = None) -> User:
    """Create a staff account; a head needs a unit and becomes that unit's head."""
    from feedback.units.services import set_head

    email = normalise_email(email)
    errors = {}
    if not EMAIL_PATTERN.match(email) or len(email) > 255:
        errors["email"] = _("Enter a valid e-mail address.")
    problem = check_password_strength(password)
    if problem:
        errors["password"] = problem
    if role not in ROLES:
        errors["role"] = _("The role is one of: %(roles)s.", roles=", ".join(ROLES))
    elif role in ("head", "officer") and unit is None:
        errors["unit"] = _("A head of unit or an officer belongs to a unit.")
    if errors:
        raise Invalid(_("The account was not created."), errors)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise Conflict(_("An account with this e-mail exists already."), {"email": _("This e-mail is taken.")})
    user = User(email=email, role=role, unit=unit, name=name.strip(), title=title.strip())
    if password_hash:  # the same password hashed once for many accounts (demo data)
        user.password_hash = password_hash
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if role == "head":
        set_head(unit, user)
    return user


def update_user(user: User, *, name: str, title: str, role: str, active: bool, unit: Unit | None,
                password: str = "") -> User:
    """An administrator changes an account; a new password must be strong enough, and a head with
    a unit becomes that unit's head."""
    from feedback.units.services import set_head

    problem = check_password_strength(password) if password else None
    if problem:
        raise Invalid(problem, {"password": problem})
    user.name, user.title, user.role, user.active = name, title, role, active
    user.unit = unit
    if password:
        user.set_password(password)
    if user.role == "head" and unit is not None:
        set_head(unit, user)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    lifetime = dt.timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])
    record = ApiToken(user=user, token_hash=ApiToken.digest(token), expires_at=utcnow() + lifetime)
    db.session.add(record)
    db.session.flush()
    return token, record


def issue_token_for(email: str, password: str) -> tuple[str, ApiToken]:
    """A new bearer token for the active account with this e-mail and password; Unauthenticated otherwise."""
    user = authenticate(email, password)
    if user is None:
        raise Unauthenticated(_("The e-mail or the password is wrong."))
    return issue_token(user)


def user_for_token(token: str) -> User | None:
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow():
        return None
    return record.user if record.user.active else None
