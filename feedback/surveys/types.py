"""Question types: how a question is shown, how its answer is read and checked, and whether it
counts in the satisfaction index. The built-in ones are given by the core through the hook
``feedback_question_types``, like any plugin's.

A type is an object with the attributes and methods of :class:`QuestionType`; a plugin may
subclass it (or :class:`ChoiceType`, :class:`TextType`) and return an instance from its
``feedback_question_types`` implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import get_template_attribute
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

# Longest free-text answers, in characters.
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000
# Most options a choice question may have, and the range of their values.
OPTIONS_MAX = 30
VALUE_MIN, VALUE_MAX = 0, 999


class AnswerRefused(ValueError):
    """An answer that cannot be taken; the message is for the person answering."""


@dataclass(frozen=True)
class OptionSpec:
    """An option as a type proposes it: the value stored, its labels, and whether it is satisfied."""

    value: int
    label_vi: str
    label_en: str
    satisfied: bool = False


@dataclass(frozen=True)
class AnswerRow:
    """What one answer row stores (see feedback.surveys.models.Answer)."""

    value: int | None = None
    text: str | None = None
    satisfied: bool | None = None


class QuestionType:
    """The base of every question type.

    :attr name: the key stored in ``Question.type`` (a-z0-9_, at most 32 characters).
    :attr label: the name administrators see in the builder (a lazy translated string).
    :attr rated: its answers count in the satisfaction index (each is satisfied or not).
    :attr has_options: its answers are option values (integers); the options are stored.
    :attr fixed_values: the option values cannot be changed in the builder, only their labels and
        which ones are satisfied (scales, ratings, yes/no).
    :attr multiple: several options may be chosen (one answer row each).
    :attr text_max: for free text, the longest answer in characters.
    :attr macro: the macro of ``surveys/_questions.html`` that shows the field.
    :attr xlsform_type: the XLSForm type it is exported as (``select_one``, ``select_multiple``,
        ``integer`` or ``text``), with ``xlsform_appearance``.
    """

    name = ""
    label = ""
    rated = False
    has_options = False
    fixed_values = False
    multiple = False
    text_max: int | None = None
    macro = "text"
    xlsform_type = "text"
    xlsform_appearance = ""

    def default_options(self) -> list[OptionSpec]:
        """The options a new question of this type starts with."""
        return []

    def check_options(self, options: Sequence[OptionSpec]) -> str | None:
        """Why these options do not suit this type (a sentence for the administrator), or None."""
        if not self.has_options:
            return _("This type of question has no options.") if options else None
        values = [option.value for option in options]
        if len(set(values)) != len(values):
            return _("Two options have the same value.")
        if any(not option.label_vi.strip() for option in options):
            return _("Every option needs a Vietnamese label.")
        if self.fixed_values:
            expected = sorted(option.value for option in self.default_options())
            if sorted(values) != expected:
                return _("The values of this type are fixed: %(values)s.", values=", ".join(map(str, expected)))
        elif not 2 <= len(options) <= OPTIONS_MAX:
            return _("Give between 2 and %(most)s options.", most=OPTIONS_MAX)
        if any(not VALUE_MIN <= value <= VALUE_MAX for value in values):
            return _("Option values are whole numbers from %(low)s to %(high)s.", low=VALUE_MIN, high=VALUE_MAX)
        if self.rated and not any(option.satisfied for option in options):
            return _("Mark which options count as satisfied.")
        if self.rated and all(option.satisfied for option in options):
            return _("At least one option must count as not satisfied.")
        return None

    # --- answers ------------------------------------------------------------------------

    def parse_form(self, question, values: Sequence[str]):
        """The answer from a web form's values for this question (``request.form.getlist``):
        ``None`` when it was not answered; raises :class:`AnswerRefused` when it cannot be taken."""
        raise NotImplementedError

    def parse_json(self, question, value):
        """The answer from the API's JSON value; ``None`` when not answered; :class:`AnswerRefused`
        when it cannot be taken."""
        raise NotImplementedError

    def rows(self, question, answer) -> list[AnswerRow]:
        """The rows to store for a parsed, non-empty answer."""
        raise NotImplementedError

    def chosen(self, answer) -> set[int]:
        """The option values an answer holds (for display conditions)."""
        return set()

    def form_values(self, answer) -> list[str]:
        """The form values that show ``answer`` again (a refused form is shown with what was sent)."""
        return [] if answer is None else [str(answer)]

    def render(self, question, *, field: str, values: Sequence[str], error: str | None, hint_id: str | None = None) -> Markup:
        """The HTML of the field, with the values sent and the error, if any."""
        macro = get_template_attribute("surveys/_questions.html", self.macro)
        return macro(question=question, qtype=self, field=field, values=list(values), error=error)


class ChoiceType(QuestionType):
    """One option among several (a scale, a rating, yes/no, a single choice)."""

    has_options = True
    macro = "choice"
    xlsform_type = "select_one"

    def _option(self, question, raw):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise AnswerRefused(_("Choose one of the options.")) from None
        option = question.option(value)
        if option is None:
            raise AnswerRefused(_("%(value)s is not one of the options of this question.", value=value))
        return option

    def parse_form(self, question, values):
        values = [value for value in values if value != ""]
        if not values:
            return None
        if len(values) > 1:
            raise AnswerRefused(_("Choose only one option."))
        return self._option(question, values[0]).value

    def parse_json(self, question, value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswerRefused(_("Give the value of one option, a whole number."))
        return self._option(question, value).value

    def rows(self, question, answer):
        option = question.option(answer)
        return [AnswerRow(value=answer, satisfied=option.satisfied if self.rated else None)]

    def chosen(self, answer):
        return set() if answer is None else {answer}


class ScaleType(ChoiceType):
    """An ordered satisfaction scale, from very unsatisfied (1) to very satisfied."""

    rated = True
    fixed_values = True
    macro = "scale"
    xlsform_appearance = "likert"

    def __init__(self, name, label, options: Sequence[OptionSpec]):
        self.name, self.label, self._options = name, label, list(options)

    def default_options(self):
        return list(self._options)


class MultipleType(ChoiceType):
    """Several options among many: one answer row per option chosen."""

    multiple = True
    macro = "checkboxes"
    xlsform_type = "select_multiple"

    def parse_form(self, question, values):
        values = [value for value in values if value != ""]
        if not values:
            return None
        chosen = sorted({self._option(question, value).value for value in values})
        return chosen

    def parse_json(self, question, value):
        if value is None or value == []:
            return None
        if not isinstance(value, list):
            raise AnswerRefused(_("Give a list of option values."))
        return sorted({ChoiceType.parse_json(self, question, each) for each in value})

    def rows(self, question, answer):
        return [AnswerRow(value=value) for value in answer]

    def chosen(self, answer):
        return set(answer or ())

    def form_values(self, answer):
        return [str(value) for value in answer or ()]


class TextType(QuestionType):
    """Free text, short or long. Staff read it; it is never published."""

    def __init__(self, name, label, text_max, macro):
        self.name, self.label, self.text_max, self.macro = name, label, text_max, macro
        self.xlsform_appearance = "multiline" if macro == "textarea" else ""

    def _text(self, text: str):
        text = text.replace("\r\n", "\n").strip()
        if not text:
            return None
        if len(text) > self.text_max:
            raise AnswerRefused(_("At most %(most)s characters (you wrote %(count)s).", most=self.text_max,
                                  count=len(text)))
        if "\x00" in text:
            raise AnswerRefused(_("The text holds characters that cannot be stored."))
        return text

    def parse_form(self, question, values):
        values = [value for value in values if value.strip()]
        if len(values) > 1:
            raise AnswerRefused(_("Give one answer."))
        return self._text(values[0]) if values else None

    def parse_json(self, question, value):
        if value is None:
            return None
        if not isinstance(value, str):
            raise AnswerRefused(_("Give a text."))
        return self._text(value)

    def rows(self, question, answer):
        return [AnswerRow(text=answer)]


def _scale(values_vi_en, satisfied_from):
    return [OptionSpec(value, vi, en, value >= satisfied_from) for value, (vi, en) in enumerate(values_vi_en, 1)]


# The labels of the built-in scales are stored in both languages with each question (and can be
# reworded there), so they are data, not strings of the interface.
SCALE5 = _scale([("Rất không hài lòng", "Very unsatisfied"), ("Không hài lòng", "Unsatisfied"),
                 ("Bình thường", "Neither satisfied nor unsatisfied"), ("Hài lòng", "Satisfied"),
                 ("Rất hài lòng", "Very satisfied")], satisfied_from=4)
SCALE3 = _scale([("Không hài lòng", "Unsatisfied"), ("Bình thường", "Neither satisfied nor unsatisfied"),
                 ("Hài lòng", "Satisfied")], satisfied_from=3)
RATING10 = [OptionSpec(value, str(value), str(value), value >= 8) for value in range(1, 11)]
YES_NO = [OptionSpec(1, "Có", "Yes"), OptionSpec(0, "Không", "No")]


class RatingType(ScaleType):
    """A rating from 1 to 10 (8 and up count as satisfied unless the builder says otherwise)."""

    macro = "rating"
    xlsform_type = "integer"
    xlsform_appearance = ""


class YesNoType(ChoiceType):
    """Yes (1) or no (0); not rated: "yes" is not always the good answer."""

    fixed_values = True
    macro = "choice"

    def __init__(self):
        self.name, self.label = "yes_no", _l("Yes or no")

    def default_options(self):
        return list(YES_NO)


class SingleType(ChoiceType):
    def __init__(self):
        self.name, self.label = "single", _l("Single choice")

    def default_options(self):
        return [OptionSpec(1, "Lựa chọn 1", "Option 1"), OptionSpec(2, "Lựa chọn 2", "Option 2")]


class MultipleChoiceType(MultipleType):
    def __init__(self):
        self.name, self.label = "multiple", _l("Multiple choice")

    def default_options(self):
        return [OptionSpec(1, "Lựa chọn 1", "Option 1"), OptionSpec(2, "Lựa chọn 2", "Option 2")]


def builtin_types() -> list[QuestionType]:
    return [
        ScaleType("scale5", _l("Satisfaction scale, 5 levels"), SCALE5),
        ScaleType("scale3", _l("Satisfaction scale, 3 levels"), SCALE3),
        SingleType(),
        MultipleChoiceType(),
        RatingType("rating10", _l("Rating from 1 to 10"), RATING10),
        YesNoType(),
        TextType("short_text", _l("Short text"), SHORT_TEXT_MAX, "text"),
        TextType("long_text", _l("Long text"), LONG_TEXT_MAX, "textarea"),
    ]


def question_types() -> dict[str, QuestionType]:
    """Every question type the loaded plugins give, by name; a later plugin's type of the same name
    replaces an earlier one (pluggy calls the plugins registered last first)."""
    from feedback.pluginmanager import hook

    found: dict[str, QuestionType] = {}
    for types in reversed(hook().feedback_question_types()):
        for qtype in types or ():
            found[qtype.name] = qtype
    return found


def question_type(name: str) -> QuestionType | None:
    return question_types().get(name)
