"""The base of every web form: WTForms' own messages go through our catalogues."""

from flask_babel import gettext, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import SelectChoice

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
)


class _Translations:
    def gettext(self, string):
        return gettext(string)

    def ngettext(self, singular, plural, n):
        return ngettext(singular, plural, n)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _Translations()


def choices(pairs) -> list[SelectChoice]:
    """Options of a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def unit_options(blank: str | None = None, current_only: bool = False, with_code: bool = True) -> list[tuple[str, str]]:
    """(code, label) pairs of the units in tree order, labels indented by depth."""
    from feedback.units.services import list_unit_names, tree

    pairs = [("", blank)] if blank is not None else []
    for depth, unit in tree(list_unit_names(current_only=current_only)):
        pairs.append((unit.code, f"{'— ' * depth}{unit.name}" + (f" ({unit.code})" if with_code else "")))
    return pairs


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
