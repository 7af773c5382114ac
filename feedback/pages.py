"""Public pages of the core: home, the unit tree, the procedure catalogue, security.txt, and the
authority's brand (colours, logo, favicon)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from feedback.extensions import db
from feedback.hookspecs import hookimpl
from feedback.procedures.services import search_procedures
from feedback.units.models import Unit
from feedback.units.services import list_units, tree

bp = Blueprint("pages", __name__)

PAGE_SIZE = 50


@bp.route("/.well-known/security.txt")
def security_txt():
    """Whom to tell of a vulnerability (RFC 9116), when FEEDBACK_SECURITY_CONTACT is set."""
    import datetime as dt

    from feedback.links import public_url
    from feedback.timeutil import utcnow

    contact = current_app.config["SECURITY_CONTACT"].strip()
    if not contact:
        abort(404)
    if ":" not in contact:
        contact = f"mailto:{contact}"
    expires = (utcnow() + dt.timedelta(days=365)).replace(microsecond=0)
    lines = [f"Contact: {contact}", f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
             "Preferred-Languages: vi, en", f"Canonical: {public_url('pages.security_txt')}"]
    return "\n".join(lines) + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/")
def home():
    return render_template("pages/home.html")


@bp.route("/units")
def units():
    return render_template("pages/units.html", rows=tree(list_units(current_only=True)))


@bp.route("/units/<code>")
def unit(code: str):
    # What the page shows of the unit (its parent, head and sub-units) with it, not a query each.
    found = db.session.scalar(select(Unit).where(Unit.code == code).options(
        joinedload(Unit.parent), joinedload(Unit.head), selectinload(Unit.children)))
    if found is None:
        abort(404)
    procedures = search_procedures(unit=found, limit=PAGE_SIZE)
    return render_template("pages/unit.html", unit=found, procedures=procedures)


@bp.route("/procedures")
def procedures():
    q = request.args.get("q", "").strip()[:200]
    after = request.args.get("after") or None
    unit = db.session.scalar(select(Unit).where(Unit.code == request.args.get("unit"))) if request.args.get("unit") else None
    rows = search_procedures(q=q, unit=unit, after=after, limit=PAGE_SIZE + 1)
    next_after = rows[PAGE_SIZE - 1].code if len(rows) > PAGE_SIZE else None
    return render_template("pages/procedures.html", procedures=rows[:PAGE_SIZE], q=q, unit=unit,
                           next_after=next_after, units=list_units(current_only=True))


# --- the authority's brand ---------------------------------------------------------------------

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
LOGO_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".webp": "image/webp"}


def brand_colours(config) -> dict[str, str]:
    """The authority's colours (``AUTHORITY_COLOURS``), each checked to be ``#rrggbb``: anything
    else would be written into a stylesheet. A wrong value stops start-up with a clear message."""
    colours = {"brand": "#a3161a", "brand_dark": "#7d1013", **(config.get("AUTHORITY_COLOURS") or {})}
    for name, value in colours.items():
        if name not in ("brand", "brand_dark") or not isinstance(value, str) or not COLOUR.fullmatch(value):
            raise ValueError(f"AUTHORITY_COLOURS: {name!r} must be one of brand, brand_dark, with a colour "
                             f"written #rrggbb (got {value!r})")
    return colours


def logo_path(config) -> Path | None:
    logo = (config.get("AUTHORITY_LOGO") or "").strip()
    if not logo:
        return None
    path = Path(logo)
    if path.suffix.lower() not in LOGO_TYPES:
        raise ValueError(f"AUTHORITY_LOGO: {logo} must be a {', '.join(sorted(LOGO_TYPES))} file")
    return path


@bp.route("/brand.css")
def brand_css():
    colours = brand_colours(current_app.config)
    css = f":root {{ --brand: {colours['brand']}; --brand-dark: {colours['brand_dark']}; }}\n"
    # No caching header of its own: feedback.security decides (no-store for staff, like every page).
    return current_app.response_class(css, mimetype="text/css")


def _image(path: Path):
    return current_app.response_class(path.read_bytes(), mimetype=LOGO_TYPES[path.suffix.lower()])


@bp.route("/brand/logo")
def brand_logo():
    path = logo_path(current_app.config)
    if path is None or not path.is_file():
        abort(404)
    return _image(path)


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for it whatever the page says: the authority's logo, or ours."""
    path = logo_path(current_app.config)
    if path is not None and path.is_file():
        return _image(path)
    return _image(Path(current_app.static_folder) / "favicon.svg")


def brand_context() -> dict:
    """What every page needs of the brand: the authority's name, and whether it has a logo."""
    return {"authority_name": current_app.config.get("AUTHORITY_NAME") or "",
            "authority_logo": logo_path(current_app.config) is not None}


@hookimpl
def feedback_register_blueprints(app):
    brand_colours(app.config)
    logo_path(app.config)
    app.context_processor(brand_context)
    return [bp]
