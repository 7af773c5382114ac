"""Jinja filters for dates and numbers, and the template slots that plugins fill."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from flask_babel import format_decimal, get_locale, get_translations
from jinja2 import pass_context
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


def _messages() -> dict:
    """The translations of the current language that templates asked for so far in this process.

    The request keeps the dictionary of its language beside Flask-Babel's locale (``force_locale``
    puts another locale there, and so gets another dictionary): no locale look-up per message."""
    babel_state = getattr(g, "_flask_babel", None)
    kept = getattr(babel_state, "feedback_messages", None)
    if kept is None or kept[0] is not getattr(babel_state, "babel_locale", None):
        locale = get_locale()
        kept = (locale, current_app.extensions.setdefault("feedback.translated", {}).setdefault(str(locale), {}))
        babel_state = getattr(g, "_flask_babel", None)
        if babel_state is not None:
            babel_state.feedback_messages = kept
    return kept[1]


def _template_gettext(string: str) -> str:
    """Templates' gettext: a message's translation looked up once per language and process (a
    register page asks for some 500), then read from a dictionary. Catalogues do not change while
    the process runs; Flask-Babel keeps them for the process too."""
    messages = _messages()
    found = messages.get(string)
    if found is None:
        found = messages[string] = get_translations().ugettext(string)
    return found


@pass_context
def _underscore(context, string: str, **variables) -> str:
    """Templates' ``_("...")``: what Jinja's newstyle gettext does (escaped, then always formatted
    with the variables), called directly rather than through Jinja's alias of ``gettext`` (two
    indirections that cost more than the look-up itself, some 500 times a register page)."""
    if variables or not context.eval_ctx.autoescape:
        found = _template_gettext(string)
        # nosec: our catalogues are trusted, as in Jinja's gettext; the variables are escaped by %.
        return (Markup(found) if context.eval_ctx.autoescape else found) % variables  # nosec B704
    # Without variables the answer is the same each time: kept, escaped and formatted.
    messages = _messages()
    found = messages.get((Markup, string))
    if found is None:
        found = messages[(Markup, string)] = Markup(_template_gettext(string)) % {}  # nosec B704  # our catalogues
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

    return translated(EVENT_LABELS.get(action, action))


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


def translated(label) -> str:
    """A label made with lazy_gettext (the values of KINDS, TOPICS, STATUSES...) in the current
    language, translated once per language and process like templates' messages."""
    if isinstance(label, str):
        return label
    messages = _messages()
    kept = messages.get((translated, id(label)))
    if kept is None or kept[0] is not label:  # the label itself is kept: its id cannot be reused
        kept = messages[(translated, id(label))] = (label, str(label))
    return kept[1]


def status_label(status: str | None) -> str:
    from feedback.items.states import STATUSES

    return translated(STATUSES.get(status, status or ""))


def init_app(app: Flask) -> None:
    from feedback import documents
    from feedback.links import public_url

    documents.init_app(app)
    app.jinja_env.filters.update(date=date_filter, datetime=datetime_filter, number=number_filter,
                                 isodate=isodate_filter, filesize=filesize_filter, working_days=working_days_filter)
    app.jinja_env.globals.update(slot=render_slot, lang_url=lang_url, language_names=LANGUAGE_NAMES,
                                 translated=translated,
                                 event_label=event_label, status_label=status_label, actor_label=actor_label,
                                 public_url=public_url)
    app.jinja_env.install_gettext_callables(
        gettext=_template_gettext, newstyle=True,
        ngettext=lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: get_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: get_translations().unpgettext(context, singular, plural, n))
    app.jinja_env.globals["_"] = _underscore
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale():
        return {"locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}
