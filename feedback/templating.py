"""Jinja filters for dates and numbers, and the template slots that plugins fill."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request
from flask_babel import format_decimal, get_locale, get_translations
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


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _shown(value: dt.datetime) -> dt.datetime:
    """A moment in the site's time zone (as Flask-Babel shows it: a naive one is UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(_zone(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


# dd/mm/yyyy is the same in every language we speak: formatted directly, which is many times
# cheaper than Babel's pattern formatter (a register page shows some 200 dates).
def date_filter(value) -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _shown(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def datetime_filter(value) -> str:
    if not value:
        return ""
    value = _shown(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}"


def _template_gettext(string: str) -> str:
    """Templates' _(): a message's translation looked up once per language and process (a register
    page asks for some 500), then read from a dictionary. Catalogues do not change while the
    process runs; Flask-Babel keeps them for the process too."""
    cache = current_app.extensions.setdefault("feedback.translated", {})
    key = (str(get_locale()), string)
    found = cache.get(key)
    if found is None:
        found = cache[key] = get_translations().ugettext(string)
    return found


def isodate_filter(value) -> str:
    """An ISO date string (as stored in JSON) shown as dd/mm/yyyy."""
    import datetime as dt

    return date_filter(dt.date.fromisoformat(value[:10])) if value else ""


def number_filter(value) -> str:
    if value is None:
        return ""
    # What format_decimal gives (its pattern "#,##0.###"), at a fraction of its cost, for counts
    # and for rates already rounded (a dashboard shows some two thousand); the rest goes to Babel.
    if type(value) is int and value >= 0:
        return f"{value:,}".replace(",", _symbols(str(get_locale()))[0])
    if type(value) is float and 0 <= value < 1e15:
        whole, _dot, fraction = repr(value).partition(".")
        if whole.isdigit() and fraction.isdigit() and len(fraction) <= 3:
            group, decimal = _symbols(str(get_locale()))
            fraction = fraction.rstrip("0")
            return f"{int(whole):,}".replace(",", group) + (decimal + fraction if fraction else "")
    return format_decimal(value)


@functools.lru_cache(maxsize=16)
def _symbols(locale: str) -> tuple[str, str]:
    """The language's group and decimal separators."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_group_symbol(locale), get_decimal_symbol(locale)


def lang_url(code: str) -> str:
    from feedback.urls import url_with_query

    return url_with_query(request.endpoint or "pages.home", request.args, **(request.view_args or {}), lang=code)


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
                                 event_label=event_label, status_label=status_label, actor_label=actor_label,
                                 public_url=public_url)
    app.jinja_env.install_gettext_callables(
        gettext=_template_gettext, newstyle=True,
        ngettext=lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: get_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: get_translations().unpgettext(context, singular, plural, n))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale():
        return {"locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}
