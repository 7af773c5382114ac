"""Forms of the survey builder, the answering page and the staff pages.

The answers themselves are not WTForms fields (questions come from the database and their types
from plugins): the answering page reads ``q<id>`` values and the service checks them. The lengths
here are generous upper bounds for the request; the services give the exact limits and messages.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from feedback.forms import Form
from feedback.surveys import builder
from feedback.surveys.types import OptionSpec

LIMIT = 2  # the form takes twice a field's limit; beyond, the request is refused before the service


class SurveyForm(Form):
    code = StringField(_l("Code (in public links)"), validators=[Length(max=40 * LIMIT)],
                       description=_l("Lower-case letters, digits, “-” or “_”, e.g. sipas-2027. It cannot change."))
    unit = SelectField(_l("Run by"), choices=[], validate_choice=False,
                       description=_l("The unit and its sub-units that run this survey; empty: every unit."))
    title_vi = StringField(_l("Title in Vietnamese"), validators=[Length(max=builder.TITLE_MAX * LIMIT)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=builder.TITLE_MAX * LIMIT)])
    intro_vi = TextAreaField(_l("Introduction in Vietnamese"), validators=[Length(max=builder.INTRO_MAX * LIMIT)],
                             render_kw={"rows": 4})
    intro_en = TextAreaField(_l("Introduction in English"), validators=[Length(max=builder.INTRO_MAX * LIMIT)],
                             render_kw={"rows": 4})


class TextsForm(Form):
    title_vi = SurveyForm.title_vi
    title_en = SurveyForm.title_en
    intro_vi = SurveyForm.intro_vi
    intro_en = SurveyForm.intro_en


class SectionForm(Form):
    criterion = StringField(_l("Criterion key"), validators=[Length(max=40 * LIMIT)],
                            description=_l("The same key in every version, so that figures compare over time: "
                                           "access, procedure, civil_servant, result, feedback_handling, overall, "
                                           "or one of your own."))
    title_vi = StringField(_l("Title in Vietnamese"), validators=[Length(max=builder.TITLE_MAX * LIMIT)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=builder.TITLE_MAX * LIMIT)])
    description_vi = TextAreaField(_l("Text under the title, in Vietnamese"),
                                   validators=[Length(max=builder.INTRO_MAX * LIMIT)], render_kw={"rows": 3})
    description_en = TextAreaField(_l("Text under the title, in English"),
                                   validators=[Length(max=builder.INTRO_MAX * LIMIT)], render_kw={"rows": 3})

    def spec(self) -> builder.SectionSpec:
        return builder.SectionSpec(self.criterion.data or "", self.title_vi.data or "", self.title_en.data or "",
                                   self.description_vi.data or "", self.description_en.data or "")


class QuestionForm(Form):
    section = SelectField(_l("Section"), choices=[], validate_choice=False)
    name = StringField(_l("Name"), validators=[Length(max=64 * LIMIT)],
                       description=_l("A short key, the same in every version of the survey, e.g. staff_courtesy."))
    type = SelectField(_l("Type"), choices=[], validate_choice=False)
    required = BooleanField(_l("An answer is required (when the question is shown)"))
    label_vi = TextAreaField(_l("Question in Vietnamese"), validators=[Length(max=builder.LABEL_MAX * LIMIT)],
                             render_kw={"rows": 2})
    label_en = TextAreaField(_l("Question in English"), validators=[Length(max=builder.LABEL_MAX * LIMIT)],
                             render_kw={"rows": 2})
    hint_vi = StringField(_l("Help text in Vietnamese"), validators=[Length(max=builder.HINT_MAX * LIMIT)])
    hint_en = StringField(_l("Help text in English"), validators=[Length(max=builder.HINT_MAX * LIMIT)])
    options = TextAreaField(_l("Options"), validators=[Length(max=20000)], render_kw={"rows": 6},
                            description=_l("One per line: value | Vietnamese label | English label | * when it "
                                           "counts as satisfied. Leave empty for the type's own options. Scales "
                                           "run from low (1) to high."))
    conditions = TextAreaField(_l("Show only when"), validators=[Length(max=2000)], render_kw={"rows": 2},
                               description=_l("One condition per line, e.g. feedback_sent = 1: the name of an "
                                              "earlier question and the value of one of its options. All must "
                                              "hold. Empty: always shown."))

    def spec(self) -> builder.QuestionSpec:
        """The question as typed; malformed option or condition lines are shown on their field."""
        options = parse_options(self.options.data or "")
        conditions = parse_conditions(self.conditions.data or "")
        return builder.QuestionSpec(
            name=self.name.data or "", type=self.type.data or "", required=bool(self.required.data),
            label_vi=self.label_vi.data or "", label_en=self.label_en.data or "", hint_vi=self.hint_vi.data or "",
            hint_en=self.hint_en.data or "", options=options, conditions=conditions)


class LineError(ValueError):
    """A line of the options or conditions text that cannot be read; the message names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def parse_options(text: str) -> list[OptionSpec] | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    options = []
    for number, line in enumerate(lines, 1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or len(parts) > 4 or not parts[0].lstrip("-").isdigit() or len(parts[0]) > 4:
            raise LineError("options", _("Line %(number)s: write value | Vietnamese label | English label | *.",
                                         number=number))
        english = parts[2] if len(parts) > 2 else ""
        satisfied = len(parts) > 3 and parts[3] == "*"
        if len(parts) > 3 and parts[3] not in ("", "*"):
            raise LineError("options", _("Line %(number)s: the fourth part is * (satisfied) or nothing.",
                                         number=number))
        options.append(OptionSpec(int(parts[0]), parts[1], english, satisfied))
    return options


def format_options(options) -> str:
    return "\n".join(f"{o.value} | {o.label_vi} | {o.label_en}" + (" | *" if o.satisfied else "") for o in options)


def parse_conditions(text: str) -> list[tuple[str, int]]:
    conditions = []
    for number, line in enumerate([line.strip() for line in text.splitlines() if line.strip()], 1):
        name, sign, value = line.partition("=")
        value = value.strip().strip("'\"")
        if not sign or not name.strip() or not value.lstrip("-").isdigit() or len(value) > 4:
            raise LineError("conditions", _("Line %(number)s: write the name of a question, “=”, and a value, e.g. "
                                            "feedback_sent = 1.", number=number))
        conditions.append((name.strip(), int(value)))
    return conditions


def format_conditions(question) -> str:
    return "\n".join(f"{c.depends_on.name} = {c.value}" for c in question.conditions)


class XlsformForm(Form):
    file = FileField(_l("XLSForm file (.xlsx)"), validators=[FileRequired(_l("Choose an .xlsx file."))])


class AnswerForm(Form):
    """The fields of the answering page besides the answers: the version shown, the invitation
    code, and a field people never see (bots fill it in)."""

    version = HiddenField(validators=[Length(max=20)])
    code = HiddenField(validators=[Length(max=40)])
    website = StringField(_l("Leave this field empty"), validators=[Length(max=200)],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})


class InvitationForm(Form):
    class Meta:
        csrf = False

    code = StringField(_l("Invitation code"), validators=[Length(max=40)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"})


class KioskForm(Form):
    unit = SelectField(_l("Unit of this kiosk"), choices=[], validate_choice=False)


class ExportFilterForm(Form):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    month = StringField(_l("Month (YYYY-MM)"), validators=[Length(max=7)])
    version = SelectField(_l("Version"), choices=[], validate_choice=False)
