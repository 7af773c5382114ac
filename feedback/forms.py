"""The base of every web form: WTForms' own messages go through our catalogues, and text fields
come without control characters (single-line ones without line breaks either).

Every text field of every form has a length limit (``tests/security/test_limits.py`` enumerates
them): a text over it is shown again on the form with a message in the user's language.
"""

from flask_babel import get_translations, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import func, select
from wtforms import PasswordField, SelectChoice, StringField, TextAreaField
from wtforms.widgets import Select, html_params

from feedback.extensions import db
from feedback.inputs import single_line, without_controls

# WTForms' built-in messages that our forms can show; listed so that extraction finds them.
WTFORMS_MESSAGES = (
    _l("Not a valid integer value."),
    _l("Not a valid date value."),
    _l("Not a valid choice."),
    _l("This field is required."),
    _l("The CSRF token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF tokens do not match."),
    _l("Field must be between %(min)d and %(max)d characters long."),
)


def _plural_wtforms_messages():
    """Never called: WTForms' plural messages, listed so that extraction finds them."""
    ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1)
    ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1)


class _Translations:
    """The request's catalogue, without formatting: WTForms fills in its own values (Flask-Babel's
    ngettext would format with ``num`` alone and fail on ``%(max)d``)."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


def _multi_line(text):
    return without_controls(text).replace("\r\n", "\n") if isinstance(text, str) else text


def _one_line(text):
    return single_line(text).strip() if isinstance(text, str) else text


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _Translations()

        def bind_field(self, form, unbound_field, options):
            # The request already left control characters out (feedback.inputs); a form built
            # from other data gets the same, and one-line fields lose line breaks too.
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                cleaner = _multi_line if issubclass(field_class, TextAreaField) else _one_line
                options = {**options, "filters": (cleaner, *unbound_field.kwargs.get("filters", ()))}
            return unbound_field.bind(form=form, **options)


def choices(pairs) -> list[SelectChoice]:
    """Options of a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def unit_options(blank: str | None = None, current_only: bool = False, with_code: bool = True) -> list[tuple[str, str]]:
    """(code, label) pairs of the units in tree order, labels indented by depth."""
    return list(_unit_choices(blank, current_only, with_code).pairs)


def unit_picker(field, blank: str | None = None, current_only: bool = False, with_code: bool = True,
                extra: tuple[tuple[str, str], ...] = ()) -> None:
    """Give a select ``field`` the units as its choices (see :func:`unit_options`), with options
    rendered once per change of the units and language rather than once per request (a province
    has hundreds of units)."""
    options = _unit_choices(blank, current_only, with_code, tuple(extra))
    field.choices = options.choices
    field.widget = options.widget


class _RenderedOptions:
    """A select's options as pairs, as WTForms choices, and as HTML rendered once."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.pairs = tuple(pairs)
        self.choices = choices(pairs)
        self.html = "".join(f'<option value="{escape(value)}">{escape(label or value)}</option>'
                            for value, label in pairs)
        self.widget = _PrerenderedSelect(self)


class _PrerenderedSelect(Select):
    """WTForms' select, with the options of :class:`_RenderedOptions` and the field's value marked
    selected (the same HTML WTForms writes)."""

    def __init__(self, options: _RenderedOptions):
        super().__init__()
        self.options = options

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        html = self.options.html
        if field.data is not None:
            option = f'<option value="{escape(str(field.data))}">'
            html = html.replace(option, f'<option selected value="{escape(str(field.data))}">', 1)
        # nosec: html_params escapes the attributes, and the options were escaped when rendered.
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{html}</select>")  # nosec B704


def units_kept() -> dict:
    """What this process rendered from the units (pickers, and pages' parts that hold one), valid
    for the version of the units the database has now: the database's mark of the last change
    (feedback.versions), with the units' count and largest id (rows written in bulk, outside the
    models), and today's date (units that begin or end). One query."""
    from flask import current_app

    from feedback.timeutil import local_today
    from feedback.units.models import Unit
    from feedback.versions import mark

    version = (*db.session.execute(select(mark("units"), func.count(Unit.id), func.max(Unit.id))).one(),
               local_today())
    kept = current_app.extensions.get("feedback.units_kept")
    if kept is None or kept[0] != version:
        kept = current_app.extensions["feedback.units_kept"] = (version, {})
    return kept[1]


def _unit_choices(blank: str | None, current_only: bool, with_code: bool, extra: tuple = ()) -> _RenderedOptions:
    """The units' options, rendered once per version of the units (:func:`units_kept`)."""
    from feedback.units.services import list_unit_names, tree

    kept = units_kept()
    key = ("unit options", blank, current_only, with_code, extra)
    options = kept.get(key)
    if options is None:
        pairs = [("", blank)] if blank is not None else []
        for depth, unit in tree(list_unit_names(current_only=current_only)):
            pairs.append((unit.code, f"{'— ' * depth}{unit.name}" + (f" ({unit.code})" if with_code else "")))
        options = kept[key] = _RenderedOptions(pairs + list(extra))
    return options


def apply_errors(form, exc) -> None:
    """Show a service's refusal next to the fields it names; the rest above the form."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        messages = message if isinstance(message, list) else [message]
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            form.form_errors.extend(str(m) for m in messages)
    if not exc.fields:
        form.form_errors.append(str(exc.message))


def commit_or_show_errors(form, action):
    """Run a service call in one transaction (:func:`feedback.transaction.run`); a refusal is
    rolled back and shown on ``form``, next to the fields it names.

    Returns ``(result, None)`` when it went through, ``(None, status)`` when it was refused.
    """
    from feedback.errors import ServiceError
    from feedback.transaction import run

    try:
        return run(action), None
    except ServiceError as exc:
        apply_errors(form, exc)
        return None, exc.status


def commit_or_flash(action):
    """Like :func:`commit_or_show_errors`, for an action without a form (a button): the refusal is
    rolled back and flashed on the next page."""
    from flask import flash

    from feedback.errors import ServiceError
    from feedback.transaction import run

    try:
        return run(action), None
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return None, exc.status
