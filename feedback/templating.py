"""Jinja filters for dates and numbers, and the template slots that plugins fill."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from markupsafe import Markup, escape

from feedback.i18n import LANGUAGE_NAMES

# The named places in core pages that plugins may fill (feedback_template_slot).
SLOTS = frozenset({
    "layout.footer",
    "home.after_intro",
    "unit.after_details",
    "admin.menu",
    "item.after_status",
    "staff.menu",
    "layout.menu",
    "home.cards",
})


class UnknownSlot(LookupError):
    pass


def render_slot(name: str, **context) -> Markup:
    """Join what plugins give for a slot; text is escaped unless a plugin returned Markup."""
    from feedback.pluginmanager import hook

    if name not in SLOTS:
        if current_app.debug or current_app.testing:
            raise UnknownSlot(f"unknown template slot {name!r}; known: {', '.join(sorted(SLOTS))}")
        return Markup("")
    parts = hook().feedback_template_slot(name=name, context=context)
    return Markup("").join(escape(part) for part in reversed(parts) if part)


def date_filter(value) -> str:
    return format_date(value, "dd/MM/yyyy") if value else ""


def datetime_filter(value) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def isodate_filter(value) -> str:
    """An ISO date string (as stored in JSON) shown as dd/mm/yyyy."""
    import datetime as dt

    return date_filter(dt.date.fromisoformat(value[:10])) if value else ""


def number_filter(value) -> str:
    return format_decimal(value) if value is not None else ""


def lang_url(code: str) -> str:
    from feedback.urls import url_with_query

    return url_with_query(request.endpoint or "pages.home", request.args, **(request.view_args or {}), lang=code)


def event_label(action: str) -> str:
    from feedback.items.states import EVENT_LABELS

    return str(EVENT_LABELS.get(action, action))


def status_label(status: str | None) -> str:
    from feedback.items.states import STATUSES

    return str(STATUSES.get(status, status or ""))


def init_app(app: Flask) -> None:
    from feedback import documents
    from feedback.links import public_url

    documents.init_app(app)
    app.jinja_env.filters.update(date=date_filter, datetime=datetime_filter, number=number_filter,
                                 isodate=isodate_filter)
    app.jinja_env.globals.update(slot=render_slot, lang_url=lang_url, language_names=LANGUAGE_NAMES,
                                 event_label=event_label, status_label=status_label, public_url=public_url)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale():
        return {"locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}
