"""What comes in, decided once for every form, query string and JSON body: control characters,
NUL bytes and lone surrogates never reach a service or the database.

The rules, by kind of input:

- Paths: a route's value with a control character answers 404 (it names nothing).
- Web forms and query strings (people typing or pasting): control characters are removed (the
  request's values are cleaned before any view reads them), keeping tab and line breaks, which
  single-line fields then turn into spaces (``feedback.forms``). A citizen who pasted a text with
  a stray form feed keeps their text; nothing is refused for what they cannot see.
- JSON bodies (programs): a string with a NUL byte, another control character (tab and line
  breaks are allowed) or a lone surrogate is refused with 422, naming the field.
- Whatever a service writes (imports, jobs, the CLI): the session removes NUL bytes before each
  flush, so that PostgreSQL, which cannot store them, never sees one.
- Pages and feeds: characters that XML cannot carry are left out of every rendered value, so the
  Atom feeds stay valid whatever was stored before these rules.
"""

from __future__ import annotations

import json
import re

import email_validator
import phonenumbers
from flask import Flask, request
from flask import Request as FlaskRequest
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import NotFound
from werkzeug.utils import cached_property

from feedback.errors import Invalid

# Unicode's control characters (Cc) but tab, line feed and carriage return.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAKS = re.compile("[\t\r\n]+")
SURROGATE = re.compile("[\ud800-\udfff]")
# What XML 1.0 cannot carry at all (C1 controls are allowed there, but we never keep them either).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def without_controls(text: str) -> str:
    """``text`` without control characters; tab and line breaks stay."""
    return CONTROL.sub("", text)


def single_line(text: str) -> str:
    """``text`` without control characters, tabs and line breaks becoming one space."""
    return LINE_BREAKS.sub(" ", CONTROL.sub("", text))


def xml_safe(text: str) -> str:
    return NOT_XML.sub("", text)


def email_address(text: str) -> str | None:
    """The address as stored (email-validator's normal form), or None when it is not one.

    No DNS look-up: a unit may be offline, and the address is checked again by its use."""
    try:
        return email_validator.validate_email(text.strip(), check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        return None


def phone_number(text: str) -> str | None:
    """A Vietnamese phone number as stored (0 and its national digits), or None when phonenumbers
    finds no valid Vietnamese number in ``text`` (spaces, dots, dashes and +84 are fine)."""
    if len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "VN":
        return None
    return "0" + phonenumbers.national_significant_number(number)


def _cleaned(values: MultiDict, storage=ImmutableMultiDict) -> MultiDict:
    if not any(CONTROL.search(key) or CONTROL.search(value) for key, value in values.items(multi=True)
               if isinstance(value, str)):
        return values
    return storage([(CONTROL.sub("", key), CONTROL.sub("", value) if isinstance(value, str) else value)
                    for key, value in values.items(multi=True)])


class Request(FlaskRequest):
    """Flask's request, whose query and form values come without control characters."""

    @cached_property
    def args(self) -> MultiDict:
        return _cleaned(FlaskRequest.args.fget(self), self.parameter_storage_class)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _cleaned(form, self.parameter_storage_class)


def json_problems(value, path: str = "") -> dict[str, str]:
    """Field path -> message for every string of a JSON document that we refuse."""
    problems: dict[str, str] = {}
    if isinstance(value, str):
        if SURROGATE.search(value):
            problems[path or "body"] = _("This text is not valid Unicode (it holds a lone surrogate).")
        elif CONTROL.search(value):
            problems[path or "body"] = _("Remove the control characters from this text (tab and line breaks are allowed).")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if SURROGATE.search(key) or CONTROL.search(key):
                problems[(path or "body")] = _("A field name holds characters that cannot be used.")
                continue
            problems.update(json_problems(item, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.update(json_problems(item, f"{path}.{index}" if path else str(index)))
    return problems


def check_path_values(_endpoint, values: dict | None) -> None:
    """A path with a control character names nothing: 404 before any view or hook reads it."""
    if values and any(isinstance(value, str) and CONTROL.search(value) for value in values.values()):
        raise NotFound()


def check_json_body() -> None:
    """Refuse a JSON body with text that cannot be stored (before any view or schema reads it)."""
    if not request.is_json or (not request.content_length and not request.headers.get("Transfer-Encoding")):
        return
    try:
        document = json.loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError):
        return  # the API's parser answers an invalid body itself
    problems = json_problems(document)
    if problems:
        raise Invalid(_("Some texts hold characters that cannot be stored."), problems)


def _strip_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {_strip_nul(key): _strip_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip_nul(item) for item in value]
    return value


def remove_nul_bytes(session, _flush_context, _instances) -> None:
    """Before a flush: no NUL byte in any text or JSON attribute of a new or changed row."""
    from sqlalchemy import inspect

    for instance in (*session.new, *session.dirty):
        state = inspect(instance)
        for attribute in state.mapper.column_attrs:
            value = state.dict.get(attribute.key)
            if isinstance(value, str | dict | list):
                cleaned = _strip_nul(value)
                if cleaned != value:
                    setattr(instance, attribute.key, cleaned)


def _finalize(value):
    """Every value a template prints, without what XML (and so an Atom feed) cannot carry."""
    if isinstance(value, str) and NOT_XML.search(value):
        return value.__class__(NOT_XML.sub("", value))  # Markup stays Markup
    return value


def init_app(app: Flask) -> None:
    from flask_sqlalchemy.session import Session
    from sqlalchemy import event

    app.request_class = Request
    app.url_value_preprocessor(check_path_values)
    app.before_request(check_json_body)
    app.jinja_env.finalize = _finalize
    # Flask-SQLAlchemy's session class, the one every app's sessions are made from.
    if not event.contains(Session, "before_flush", remove_nul_bytes):
        event.listen(Session, "before_flush", remove_nul_bytes)
