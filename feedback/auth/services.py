"""Accounts and API tokens: creation, password checks, token issue and look-up."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from feedback import throttle
from feedback.auth.models import ROLES, ApiToken, User, hash_password
from feedback.errors import Conflict, Invalid, NotFound, Unauthenticated
from feedback.extensions import db
from feedback.inputs import email_address
from feedback.timeutil import utcnow
from feedback.units.models import Unit

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
    if len(email) > 255 or email_address(email) is None:
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
    # Whoever loses rights or a credential must not keep them in an open session or a token.
    ends_sessions = bool(password) or (user.active and not active) or role != user.role or \
        (unit.id if unit is not None else None) != user.unit_id
    user.name, user.title, user.role, user.active = name, title, role, active
    user.unit = unit
    if password:
        user.set_password(password)
    if user.role == "head" and unit is not None:
        set_head(unit, user)
    if ends_sessions:
        end_sessions(user)
    return user


def end_sessions(user: User) -> int:
    """End every session and revoke every API token of ``user`` at once; returns the tokens revoked.

    Each session carries the account's session generation (``User.get_id``) and the loader
    refuses a session whose generation is not the current one.
    """
    user.session_generation = (user.session_generation or 0) + 1
    now = utcnow()
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                                                       ApiToken.expires_at > now)).all()
    for token in tokens:
        token.revoked_at = now
    db.session.flush()
    return len(tokens)


def sign_out(user: User) -> None:
    """Signing out ends the account's sessions in every browser, and its API tokens."""
    end_sessions(user)


def change_own_password(user: User, current: str, new: str) -> User:
    """A member of staff changes their password, proving the current one; every other session
    and every token ends (the caller signs the current browser in again)."""
    errors = {}
    if not user.check_password(current or ""):
        errors["current_password"] = _("The current password is wrong.")
    problem = check_password_strength(new)
    if problem:
        errors["new_password"] = problem
    elif new == current:
        errors["new_password"] = _("Choose a password different from the current one.")
    if errors:
        raise Invalid(_("The password was not changed."), errors)
    user.set_password(new)
    end_sessions(user)
    return user


def user_for_session(session_id: str) -> User | None:
    """The account of a session (``"ID:GENERATION"``, as ``User.get_id`` wrote it), if that
    session has not been ended since."""
    user_id, _sep, generation = (session_id or "").partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_generation != int(generation):
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, or None; TooManyAttempts after too many
    failures on this e-mail (whether or not an account has it).

    An unknown e-mail or a disabled account costs the same hashing as a wrong password and gives the
    same answer, so that neither the answer nor its time tells which accounts exist. Call it
    through the transaction boundary: a failure is counted in the database.
    """
    email = normalise_email(email)
    throttle.check("login", email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password or "")
        user = None
    elif not user.check_password(password or ""):
        user = None
    if user is None:
        throttle.failed("login", email)
        return None
    throttle.cleared("login", email)
    user.last_login_at = utcnow()
    return user


def _dummy_hash() -> str:
    """A hash of a random password, made with the configured method (so its check costs the same)."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    hashes = current_app.extensions.setdefault("feedback.dummy_hashes", {})
    if method not in hashes:
        hashes[method] = hash_password(secrets.token_urlsafe(16))
    return hashes[method]


TOKEN_LABEL_MAX = 100


def issue_token(user: User, label: str = "") -> tuple[str, ApiToken]:
    """A new bearer token; the plain token is returned once and never stored."""
    label = (label or "").strip()
    if len(label) > TOKEN_LABEL_MAX:
        raise Invalid(_("The name of the token is too long."),
                      {"label": _("Write at most %(n)s characters.", n=TOKEN_LABEL_MAX)})
    token = secrets.token_urlsafe(32)
    lifetime = dt.timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])
    record = ApiToken(user=user, token_hash=ApiToken.digest(token), label=label, expires_at=utcnow() + lifetime)
    db.session.add(record)
    db.session.flush()
    return token, record


def wrong_credentials() -> Unauthenticated:
    return Unauthenticated(_("The e-mail or the password is wrong."))


def user_for_token(token: str) -> User | None:
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(token)))
    if record is None or not record.is_valid:
        return None
    return record.user if record.user.active else None


def tokens_of(user: User, *, include_ended: bool = False) -> list[ApiToken]:
    """The API tokens of ``user``, newest first: the valid ones, or all of them."""
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if not include_ended:
        query = query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
    return list(db.session.scalars(query.order_by(ApiToken.id.desc())))


def token_visible_to(token_id: int, actor: User) -> ApiToken:
    """The token with this id if ``actor`` owns it or is an administrator; NotFound otherwise, as if
    it did not exist, so that nobody learns which tokens others hold."""
    record = db.session.get(ApiToken, token_id)
    if record is None or not (actor.is_admin or record.user_id == actor.id):
        raise NotFound(_("No token has this number."))
    return record


def revoke_token(token_id: int, actor: User) -> ApiToken:
    """Revoke one token, by its owner or an administrator; revoking it again changes nothing."""
    record = token_visible_to(token_id, actor)
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        db.session.flush()
    return record
