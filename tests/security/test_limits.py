"""Every text a visitor can send has a length limit: every text field of every web form, and every
string of every API body and query (a new form or schema without one fails here)."""

from __future__ import annotations

import marshmallow as ma
import wtforms
from wtforms.validators import AnyOf, Length

from feedback.forms import Form


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _app_forms():
    return [form for form in set(_subclasses(wtforms.Form))
            if form.__module__.startswith("feedback.") and form.__module__ != "feedback.forms"]


def test_every_form_is_built_on_the_base_form(app):
    strays = sorted(f"{form.__module__}.{form.__qualname__}" for form in _app_forms() if not issubclass(form, Form))
    assert not strays, f"forms not built on feedback.forms.Form (no control characters, translated messages): {strays}"


def test_every_text_field_of_every_form_has_a_length_limit(app):
    forms = _app_forms()
    assert len(forms) >= 20, "the forms of the core and the built-in plugins are found"
    missing = []
    for form in forms:
        for name in dir(form):
            unbound = getattr(form, name)
            if not isinstance(unbound, wtforms.fields.core.UnboundField):
                continue
            if not issubclass(unbound.field_class, wtforms.StringField):
                continue
            validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else ())
            if not any(isinstance(v, Length) and v.max > 0 or isinstance(v, AnyOf) for v in validators):
                missing.append(f"{form.__module__}.{form.__qualname__}.{name}")
    assert not missing, f"text fields without a length limit (add Length(max=…)): {sorted(missing)}"


def _input_schemas(app):
    found = set()
    for function in app.view_functions.values():
        arguments = (getattr(function, "_apidoc", None) or {}).get("arguments") or {}
        for parameter in arguments.get("parameters", ()):
            schema = parameter["schema"]
            found.add(schema if isinstance(schema, type) else type(schema))
    return found


def _strings(schema_class, prefix=""):
    """(dotted name, field) of every string field of the schema, nested ones included."""
    for name, field in schema_class().fields.items():
        yield from _strings_of(field, prefix + name)


def _strings_of(field, name):
    if isinstance(field, ma.fields.String):
        yield name, field
    elif isinstance(field, ma.fields.Nested):
        nested = field.nested() if callable(field.nested) and not isinstance(field.nested, type) else field.nested
        nested_class = nested if isinstance(nested, type) else type(nested)
        yield from _strings(nested_class, name + ".")
    elif isinstance(field, ma.fields.List):
        yield from _strings_of(field.inner, name + "[]")
    elif isinstance(field, ma.fields.Dict):
        yield name, field


def _limited(field) -> bool:
    """A string with a maximum length or a fixed set of values. A mapping: keys limited, and values
    limited strings, or other values (checked by the service) with a maximum number of entries."""
    if isinstance(field, ma.fields.Dict):
        keys, values = field.key_field, field.value_field
        if keys is None or not _limited(keys):
            return False
        if isinstance(values, ma.fields.String):
            return _limited(values)
        return any(isinstance(v, ma.validate.Length) and v.max is not None for v in field.validators)
    return any(isinstance(v, ma.validate.Length) and v.max is not None or isinstance(v, ma.validate.OneOf)
               for v in field.validators)


def test_every_string_of_every_api_body_and_query_has_a_length_limit(app):
    schemas = _input_schemas(app)
    assert len(schemas) >= 10, "the API's input schemas are found"
    missing = [f"{schema.__module__}.{schema.__qualname__}.{name}" for schema in schemas
               for name, field in _strings(schema) if not _limited(field)]
    assert not missing, f"API strings without a length limit (validate=Length(max=…) or OneOf): {sorted(missing)}"
