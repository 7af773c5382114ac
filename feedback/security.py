"""What every answer carries for safety, set in one place: security headers, no-store on private
answers, Secure session cookies over HTTPS, and sealed secrets in the session."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

# Nothing inline, nothing from elsewhere: every script, style sheet, font and image is ours.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Tracking codes are in our addresses: other sites never learn them.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Only over HTTPS (a browser ignores it over HTTP, and it must not stick to a test address).
HSTS = "max-age=31536000"


def private() -> None:
    """Mark the current answer as private (no-store), whoever asks: for a view that shows what only
    some may see (the filer's pages, a receipt)."""
    g.feedback_private = True


def is_private() -> bool:
    """Whether the answer to the current request may hold what is not public: the request carries a
    credential (a session of staff or of a filer, a bearer token), changes something, or a view said so."""
    if g.get("feedback_private") or request.method not in ("GET", "HEAD"):
        return True
    if request.headers.get("Authorization") or request.path.startswith(("/staff/", "/admin/")):
        return True
    return "_user_id" in session  # a signed-in member of staff (Flask-Login's key)


def secure_answer(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if "Cache-Control" not in response.headers and is_private():
        response.headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure when the setting says so or the request came over HTTPS
    (directly, or through a reverse proxy trusted by PROXY_COUNT)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"feedback session seal").derive(
        secret.encode() if isinstance(secret, str) else secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    """``text`` encrypted (and authenticated) with a key derived from SECRET_KEY, to be kept in the
    session: the cookie is only signed, and anyone who holds it can read what it holds in clear."""
    return _fernet().encrypt(text.encode()).decode()


def unseal(sealed: str) -> str | None:
    """What :func:`seal` sealed; None when it cannot be read (another secret key, a changed value)."""
    try:
        return _fernet().decrypt((sealed or "").encode()).decode()
    except (InvalidToken, ValueError):
        return None


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(secure_answer)
