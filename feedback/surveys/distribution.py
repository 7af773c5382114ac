"""Getting a survey to people: public links, QR codes (segno), the printable A4 poster (through
feedback.documents), and survey kiosks (a browser that staff enrolled, whose answers are not
limited by the address it shares with everyone at the desk)."""

from __future__ import annotations

import io
import secrets

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

KIOSK_COOKIE = "feedback_survey_kiosk"
KIOSK_COOKIE_DAYS = 400
QR_ERROR_LEVEL = "m"  # 15% of the code can be damaged (a poster on a wall) and it still reads


def public_link(survey, unit, procedure=None) -> str:
    """The full address of a survey's page for a unit (and a procedure), as QR codes and posters print it."""
    args = {"survey": survey.code, "unit": unit.code}
    if procedure is not None:
        args["procedure"] = procedure.code
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("surveys.answer", **args)


def qr(link: str, fmt: str) -> tuple[bytes, str]:
    """A QR code of ``link`` as SVG or PNG, with its MIME type."""
    import segno

    code = segno.make(link, error=QR_ERROR_LEVEL, micro=False)
    buffer = io.BytesIO()
    if fmt == "svg":
        code.save(buffer, kind="svg", scale=8, border=4, xmldecl=True, svgns=True,
                  title=link, dark="#000", light="#fff")
        return buffer.getvalue(), "image/svg+xml"
    code.save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue(), "image/png"


def qr_data_url(link: str) -> str:
    """A small SVG data: URL of the QR code, for documents (they embed nothing else from outside)."""
    import segno

    return segno.make(link, error=QR_ERROR_LEVEL, micro=False).svg_data_uri(scale=6, border=4)


def poster_pdf(survey, unit, procedure=None) -> bytes:
    """The A4 poster of a survey for a unit: title, QR code, address and a few words, in the state
    document layout (the unit's name top left, the national motto top right)."""
    from feedback.documents import render_pdf

    link = public_link(survey, unit, procedure)
    return render_pdf("surveys/poster.html", survey=survey, version=survey.published, unit=unit,
                      procedure=procedure, link=link, qr=qr_data_url(link))


# --- kiosks ---------------------------------------------------------------------------------


def _kiosk_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="survey-kiosk")


def kiosk_unit() -> str | None:
    """The code of the unit this browser is a kiosk of, or None."""
    value = request.cookies.get(KIOSK_COOKIE)
    if not value:
        return None
    try:
        data = _kiosk_signer().loads(value)
    except BadSignature:
        return None
    return data.get("unit") if isinstance(data, dict) else None


def enrolled_kiosk() -> bool:
    """The request comes from an enrolled kiosk (Flask-Limiter's exempt_when)."""
    return kiosk_unit() is not None


def enrol_kiosk(response, unit) -> None:
    value = _kiosk_signer().dumps({"unit": unit.code, "kiosk": secrets.token_urlsafe(8)})
    response.set_cookie(KIOSK_COOKIE, value, max_age=KIOSK_COOKIE_DAYS * 24 * 3600, httponly=True, samesite="Lax",
                        secure=request.is_secure)


def leave_kiosk(response) -> None:
    response.delete_cookie(KIOSK_COOKIE)
