"""Jinja filters for dates and numbers, and the template slots that plugins fill."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
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
    args = request.args.to_dict(flat=True)
    args["lang"] = code
    return url_for(request.endpoint or "pages.home", **(request.view_args or {}), **args)


def event_label(action: str) -> str:
    from feedback.items.states import EVENT_LABELS

    return str(EVENT_LABELS.get(action, action))


def filesize_filter(size: int | None) -> str:
    """A file's size in words a person reads: bytes below 1 KB (never "0 KB"), then KB and MB
    with one decimal, in the page's number format."""
    from flask_babel import gettext

    size = int(size or 0)
    if size < 1024:
        return gettext("%(n)s B", n=format_decimal(size))
    if size < 1024 * 1024:
        return gettext("%(size)s KB", size=format_decimal(round(size / 1024, 1)))
    return gettext("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))


def working_days_filter(days: int | None) -> str:
    """A number of working days; 0 is the same working day."""
    from flask_babel import gettext

    if not days:
        return gettext("the same working day")
    return gettext("%(n)s working days", n=format_decimal(days))


def actor_label(kind: str | None) -> str:
    """Who acted, in words, when no member of staff did: the filer, or the system itself."""
    from flask_babel import gettext

    labels = {"citizen": gettext("the filer"), "system": gettext("automatically (by rule)"),
              "staff": gettext("a member of staff")}
    return labels.get(kind or "", kind or "")


def status_label(status: str | None) -> str:
    from feedback.items.states import STATUSES

    return str(STATUSES.get(status, status or ""))


def init_app(app: Flask) -> None:
    from feedback import documents
    from feedback.links import public_url

    documents.init_app(app)
    app.jinja_env.filters.update(date=date_filter, datetime=datetime_filter, number=number_filter,
                                 isodate=isodate_filter, filesize=filesize_filter, working_days=working_days_filter)
    app.jinja_env.globals.update(slot=render_slot, lang_url=lang_url, language_names=LANGUAGE_NAMES,
                                 event_label=event_label, status_label=status_label, actor_label=actor_label, public_url=public_url)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale():
        return {"locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}
