"""XLSForm import and export (the ``survey``, ``choices`` and ``settings`` sheets of ODK and
KoboToolbox), read and written with openpyxl, so that a province can bring the forms it already
has and take ours elsewhere.

What is understood: ``begin group``/``end group`` (a section; its name is the criterion key),
``select_one``, ``select_multiple``, ``integer`` with the constraint ``. >= 1 and . <= 10`` (or a
``range`` from 1 to 10) as a rating, ``text`` (``multiline`` appearance: long text), ``note`` (the
text under a section's title, or the survey's introduction before the first group), labels and
hints in Vietnamese and English (``label::Vietnamese (vi)``, ``label::English (en)``), ``required``,
and ``relevant`` in the forms ``${q} = 'x'`` and ``selected(${q}, 'x')`` joined with ``and`` (on a
question or a group). Metadata rows (``start``, ``end``, ``today``, ``deviceid``...) are skipped.
Our own columns make a round trip exact: ``feedback_type`` (the question type) and ``satisfied``
(the values that count as satisfied). Anything else gets a message naming the sheet, the row and
the column, and nothing is stored.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from feedback.errors import Conflict, Invalid
from feedback.extensions import db
from feedback.surveys import builder
from feedback.surveys.models import Survey, SurveyVersion
from feedback.surveys.types import VALUE_MAX, VALUE_MIN, OptionSpec, question_types

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = {"vi": "Vietnamese (vi)", "en": "English (en)"}
METADATA_TYPES = {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid", "phonenumber",
                  "audit", "start-geopoint", "email", "imei"}
RATING_CONSTRAINT = re.compile(r"^\.\s*>=\s*1\s+and\s+\.\s*<=\s*10$")
RANGE_PARAMETERS = re.compile(r"^start\s*=\s*1\s+end\s*=\s*10(\s+step\s*=\s*1)?$")
CLAUSE = re.compile(r"""^(?:\$\{(?P<name>[^}]+)\}\s*=\s*(?P<value>'[^']*'|"[^"]*"|-?\d+)"""
                    r"""|selected\(\s*\$\{(?P<sname>[^}]+)\}\s*,\s*(?P<svalue>'[^']*'|"[^"]*"|-?\d+)\s*\))$""")
MAX_PROBLEMS = 50
MAX_ROWS = 2000
GENERAL_SECTION = ("general", "Câu hỏi chung", "General questions")


# --- export ---------------------------------------------------------------------------------


def _relevant(question) -> str:
    clauses = []
    for condition in question.conditions:
        qtype = question_types().get(condition.depends_on.type)
        if qtype is not None and qtype.multiple:
            clauses.append(f"selected(${{{condition.depends_on.name}}}, '{condition.value}')")
        else:
            clauses.append(f"${{{condition.depends_on.name}}} = '{condition.value}'")
    return " and ".join(clauses)


def export_version(version: SurveyVersion) -> bytes:
    """An XLSForm workbook of ``version``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    types = question_types()
    book = Workbook()
    survey_sheet = book.active
    survey_sheet.title = "survey"
    headers = ["type", "name", f"label::{LANGUAGES['vi']}", f"label::{LANGUAGES['en']}",
               f"hint::{LANGUAGES['vi']}", f"hint::{LANGUAGES['en']}", "required", "relevant", "appearance",
               "constraint", "feedback_type", "satisfied"]
    survey_sheet.append(headers)
    if version.intro_vi or version.intro_en:
        survey_sheet.append(["note", "intro", version.intro_vi, version.intro_en])
    choices_sheet = book.create_sheet("choices")
    choices_sheet.append(["list_name", "name", f"label::{LANGUAGES['vi']}", f"label::{LANGUAGES['en']}"])
    for section in version.sections:
        survey_sheet.append(["begin group", section.criterion, section.title_vi, section.title_en])
        if section.description_vi or section.description_en:
            survey_sheet.append(["note", f"{section.criterion}_note", section.description_vi, section.description_en])
        for question in section.questions:
            qtype = types.get(question.type)
            base = qtype.xlsform_type if qtype is not None else "text"
            appearance = qtype.xlsform_appearance if qtype is not None else ""
            constraint = ""
            if base in ("select_one", "select_multiple"):
                xls_type = f"{base} {question.name}"
                for option in question.options:
                    choices_sheet.append([question.name, str(option.value), option.label_vi, option.label_en])
            elif base == "integer":
                values = [option.value for option in question.options]
                xls_type, constraint = "integer", f". >= {min(values)} and . <= {max(values)}"
            else:
                xls_type = base
            satisfied = " ".join(str(option.value) for option in question.options if option.satisfied)
            survey_sheet.append([xls_type, question.name, question.label_vi, question.label_en, question.hint_vi,
                                 question.hint_en, "yes" if question.required else "no", _relevant(question),
                                 appearance, constraint, question.type, satisfied if question.rated else ""])
        survey_sheet.append(["end group", "", "", ""])
    settings = book.create_sheet("settings")
    settings.append(["form_title", f"form_title::{LANGUAGES['en']}", "form_id", "version", "default_language"])
    settings.append([version.title_vi, version.title_en, version.survey.code, str(version.number), LANGUAGES["vi"]])
    for sheet in (survey_sheet, choices_sheet, settings):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- import ---------------------------------------------------------------------------------


class Problems:
    """Messages naming the sheet, the row and the column, in the reader's language."""

    def __init__(self):
        self.messages: list[str] = []

    def add(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        if len(self.messages) >= MAX_PROBLEMS:
            return
        if row is not None and column:
            where = _("Sheet %(sheet)s, row %(row)s, column %(column)s", sheet=sheet, row=row, column=column)
        elif row is not None:
            where = _("Sheet %(sheet)s, row %(row)s", sheet=sheet, row=row)
        else:
            where = _("Sheet %(sheet)s", sheet=sheet)
        self.messages.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.messages:
            raise Invalid(_("The XLSForm cannot be imported; nothing was stored. Problems: %(count)s.",
                            count=len(self.messages)), {"file": list(self.messages)})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


@dataclass
class Sheet:
    """A sheet as a list of (row number, {column: text}), with the column names as written."""

    name: str
    rows: list[tuple[int, dict[str, str]]]
    headers: dict[str, str]  # normalised name -> as written


def _language(header: str, default: str) -> str | None:
    """vi, en, or None (another language) for a header such as ``label::Vietnamese (vi)``."""
    base, _sep, language = header.partition("::")
    if not _sep:
        return default
    language = language.strip().lower()
    if language in ("vi", "vietnamese") or language.endswith("(vi)") or language.startswith("vietnam") \
            or language.startswith("tiếng việt"):
        return "vi"
    if language in ("en", "english") or language.endswith("(en)") or language.startswith("english"):
        return "en"
    return None


ALIASES = {"list name": "list_name", "relevance": "relevant", "value": "name", "caption": "label"}


def _read(book, name: str, problems: Problems, required: bool = True) -> Sheet | None:
    matches = [sheet for sheet in book.sheetnames if sheet.strip().lower() == name]
    if not matches:
        if required:
            problems.add(name, None, None, _("the workbook has no sheet named %(name)s.", name=name))
        return None
    worksheet = book[matches[0]]
    rows = worksheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        if required:
            problems.add(name, None, None, _("the sheet is empty."))
        return None
    headers: list[str] = []
    written: dict[str, str] = {}
    for value in header_row:
        text = _cell(value)
        base, sep, rest = text.partition("::")
        key = ALIASES.get(base.strip().lower(), base.strip().lower()) + (sep + rest.strip() if sep else "")
        headers.append(key)
        if key:
            written[key] = text
    found = []
    for number, values in enumerate(rows, 2):
        if number > MAX_ROWS + 1:
            problems.add(name, number, None, _("a form has at most %(most)s rows.", most=MAX_ROWS))
            break
        row = {header: _cell(value) for header, value in zip(headers, values) if header}
        if any(row.values()):
            found.append((number, row))
    return Sheet(matches[0], found, written)


def _texts(sheet: Sheet, row: dict, base: str, default_language: str) -> dict[str, str]:
    """{"vi": ..., "en": ...} from the ``base`` columns (label, hint) of a row."""
    texts = {"vi": "", "en": ""}
    for header, value in row.items():
        if header == base or header.startswith(base + "::"):
            language = _language(header, default_language)
            if language and value and not texts[language]:
                texts[language] = value
    return texts


def _column(sheet: Sheet, key: str, language: str | None = None) -> str:
    """The column's name as written in the sheet, for messages."""
    if language:
        for header, written in sheet.headers.items():
            if header.startswith(key + "::") and _language(header, "") == language:
                return written
        return f"{key}::{LANGUAGES[language]}"
    return sheet.headers.get(key, key)


@dataclass
class Choice:
    name: str
    label: dict[str, str]
    row: int


@dataclass
class ParsedQuestion:
    row: int
    spec: builder.QuestionSpec
    choice_values: dict[str, int] = field(default_factory=dict)


@dataclass
class ParsedSection:
    row: int
    spec: builder.SectionSpec
    questions: list[ParsedQuestion] = field(default_factory=list)
    conditions: list[tuple[str, int]] = field(default_factory=list)


def _yes_no(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in ("yes", "true", "true()", "1", "có"):
        return True
    if lowered in ("", "no", "false", "false()", "0", "không"):
        return False
    return None


def _values_of(choices: list[Choice]) -> dict[str, int] | None:
    """Choice name → integer value: the names themselves when they are all whole numbers, else None."""
    values = {}
    for choice in choices:
        if not re.fullmatch(r"-?\d{1,4}", choice.name):
            return None
        values[choice.name] = int(choice.name)
    return values


def parse_workbook(data: bytes) -> tuple[dict, list[ParsedSection], dict[str, str], Problems]:
    """Read an XLSForm; returns (settings, sections, introduction by language, problems)."""
    import zipfile

    from openpyxl import load_workbook

    from feedback.items.attachments import Refused, check_archive

    problems = Problems()
    try:
        # Judged by what its directory declares before openpyxl inflates anything.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Refused as refused:
        problems.add("-", None, None, str(refused))
        return {}, [], {}, problems
    except Exception:  # openpyxl raises many kinds of errors for files that are not workbooks
        problems.add("-", None, None, _("the file is not an Excel workbook (.xlsx)."))
        return {}, [], {}, problems
    try:
        survey = _read(book, "survey", problems)
        choices_sheet = _read(book, "choices", problems, required=False)
        settings_sheet = _read(book, "settings", problems, required=False)
    finally:
        book.close()
    settings = dict(settings_sheet.rows[0][1]) if settings_sheet and settings_sheet.rows else {}
    default_language = _language("x::" + settings.get("default_language", "vi"), "vi") or "vi"
    if survey is None:
        return settings, [], {}, problems
    for required_column in ("type", "name"):
        if required_column not in survey.headers:
            problems.add(survey.name, 1, required_column, _("the sheet needs a column %(column)s.",
                                                            column=required_column))
    if problems.messages:
        return settings, [], {}, problems

    lists: dict[str, list[Choice]] = {}
    if choices_sheet is not None:
        for number, row in choices_sheet.rows:
            list_name, name = row.get("list_name", ""), row.get("name", "")
            if not list_name or not name:
                problems.add(choices_sheet.name, number, _column(choices_sheet, "list_name" if not list_name else "name"),
                             _("every choice needs a list name and a name."))
                continue
            if row.get("choice_filter"):
                problems.add(choices_sheet.name, number, "choice_filter", _("choice filters are not supported."))
            label = _texts(choices_sheet, row, "label", default_language)
            if any(choice.name == name for choice in lists.get(list_name, [])):
                problems.add(choices_sheet.name, number, _column(choices_sheet, "name"),
                             _("the list %(list)s has the choice %(name)s twice.", list=list_name, name=name))
            lists.setdefault(list_name, []).append(Choice(name, label, number))
    sections, intro = _parse_survey(survey, lists, choices_sheet, default_language, problems)
    return settings, sections, intro, problems


def _parse_survey(survey: Sheet, lists, choices_sheet, default_language,
                  problems) -> tuple[list[ParsedSection], dict[str, str]]:
    types = question_types()
    sections: list[ParsedSection] = []
    current: ParsedSection | None = None
    loose: ParsedSection | None = None  # the section that holds questions found outside any group
    intro = {"vi": [], "en": []}
    known: dict[str, ParsedQuestion] = {}
    names: set[str] = set()
    general = 0
    for number, row in survey.rows:
        raw_type = " ".join(row.get("type", "").split())
        lowered = raw_type.lower()
        name = row.get("name", "")
        label = _texts(survey, row, "label", default_language)
        hint = _texts(survey, row, "hint", default_language)
        if lowered in ("begin group", "begin_group"):
            if current is not None:
                problems.add(survey.name, number, "type", _("groups inside groups are not supported."))
                continue
            if not name:
                problems.add(survey.name, number, "name", _("a group needs a name: it is the criterion's key."))
                continue
            loose = None
            current = ParsedSection(number, builder.SectionSpec(name, label["vi"] or label["en"] or name,
                                                                label["en"]))
            current.conditions = _conditions(survey, number, row.get("relevant", ""), known, types, problems)
            sections.append(current)
            continue
        if lowered in ("end group", "end_group"):
            if current is None:
                problems.add(survey.name, number, "type", _("“end group” without a “begin group”."))
            current = None
            continue
        if lowered in METADATA_TYPES:
            continue
        if lowered == "note":
            target = current.spec if current is not None else None
            for language in ("vi", "en"):
                if target is not None:
                    attribute = f"description_{language}"
                    text = getattr(target, attribute)
                    setattr(target, attribute, (text + "\n\n" if text else "") + label[language])
                elif label[language]:
                    intro[language].append(label[language])
            continue
        if not raw_type:
            problems.add(survey.name, number, "type", _("the row has no type."))
            continue
        parsed = _question(survey, number, row, raw_type, lists, choices_sheet, label, hint, known, types, problems)
        if parsed is None:
            continue
        if name in names:
            problems.add(survey.name, number, "name", _("another row already has the name %(name)s.", name=name))
            continue
        names.add(name)
        holder = current or loose
        if holder is None:
            general += 1
            key = GENERAL_SECTION[0] if general == 1 else f"{GENERAL_SECTION[0]}_{general}"
            holder = loose = ParsedSection(number, builder.SectionSpec(key, GENERAL_SECTION[1], GENERAL_SECTION[2]))
            sections.append(loose)
        parsed.spec.conditions = holder.conditions + parsed.spec.conditions
        holder.questions.append(parsed)
        known[name] = parsed
    if current is not None:
        problems.add(survey.name, current.row, "type", _("this group has no “end group”."))
    for section in sections:
        if not section.questions:
            problems.add(survey.name, section.row, "type", _("this group has no question we can import."))
    if not sections and not problems.messages:
        problems.add(survey.name, None, None, _("the form has no question."))
    return sections, {language: "\n\n".join(parts) for language, parts in intro.items()}


def _question(survey: Sheet, number: int, row: dict, raw_type: str, lists, choices_sheet, label, hint, known,
              types, problems: Problems) -> ParsedQuestion | None:
    name = row.get("name", "")
    base, _sep, list_name = raw_type.partition(" ")
    base = base.lower()
    list_name = list_name.strip()
    appearance = row.get("appearance", "").lower()
    constraint = " ".join(row.get("constraint", "").split())
    ours = row.get("feedback_type", "")
    count = len(problems.messages)
    if not builder.NAME_PATTERN.match(name):
        problems.add(survey.name, number, "name", _("a question needs a name of letters, digits, “_”, “-” or “.”, "
                                                    "starting with a letter."))
    if base not in ("select_one", "select_multiple", "integer", "text", "range"):
        problems.add(survey.name, number, "type", _("the type %(type)s is not supported.", type=raw_type))
        return None
    choices: list[Choice] = []
    if base in ("select_one", "select_multiple"):
        if not list_name or list_name not in lists:
            problems.add(survey.name, number, "type", _("the choices sheet has no list named %(list)s.",
                                                        list=list_name or "—"))
            return None
        choices = lists[list_name]
    elif list_name:
        problems.add(survey.name, number, "type", _("the type %(type)s is not supported.", type=raw_type))
        return None
    if base == "integer" and not RATING_CONSTRAINT.match(constraint):
        problems.add(survey.name, number, "constraint", _("whole numbers are imported only as ratings from 1 to 10: "
                                                          "write the constraint . >= 1 and . <= 10."))
    elif base == "range" and not RANGE_PARAMETERS.match(" ".join(row.get("parameters", "").split())):
        problems.add(survey.name, number, "parameters", _("ranges are imported only from 1 to 10: write "
                                                          "start=1 end=10 step=1."))
    elif base not in ("integer", "range") and constraint:
        problems.add(survey.name, number, "constraint", _("constraints are supported only on ratings from 1 to 10."))
    if row.get("choice_filter"):
        problems.add(survey.name, number, "choice_filter", _("choice filters are not supported."))
    required = _yes_no(row.get("required", ""))
    if required is None:
        problems.add(survey.name, number, "required", _("write yes or no; conditions on “required” are not "
                                                        "supported."))

    # The type: ours when the column says it, else read from the XLSForm's.
    if ours:
        qtype = types.get(ours)
        xls_base = "integer" if base == "range" else base
        if qtype is None:
            problems.add(survey.name, number, "feedback_type", _("no question type is named %(type)s.", type=ours))
            return None
        if qtype.xlsform_type != xls_base:
            problems.add(survey.name, number, "feedback_type", _("the type %(ours)s does not go with %(type)s.",
                                                                 ours=ours, type=raw_type))
            return None
        type_name = ours
    elif base in ("integer", "range"):
        type_name = "rating10"
    elif base == "text":
        type_name = "long_text" if "multiline" in appearance else "short_text"
    elif base == "select_multiple":
        type_name = "multiple"
    elif "likert" in appearance and len(choices) in (3, 5):
        type_name = f"scale{len(choices)}"
    elif sorted(choice.name.lower() for choice in choices) in (["no", "yes"], ["0", "1"]):
        type_name = "yes_no"
    else:
        type_name = "single"
    qtype = types[type_name]

    # Option values: the choice names when they are whole numbers, else their order (1, 2, 3...).
    choice_values: dict[str, int] = {}
    options: list[OptionSpec] | None = None
    if choices:
        values = _values_of(choices)
        if values is None and type_name == "yes_no":
            values = {choice.name: 1 if choice.name.lower() == "yes" else 0 for choice in choices}
        if values is None:
            values = {choice.name: position for position, choice in enumerate(choices, 1)}
        if any(not VALUE_MIN <= value <= VALUE_MAX for value in values.values()):
            problems.add(choices_sheet.name if choices_sheet else "choices", choices[0].row, "name",
                         _("choice names that are numbers run from %(low)s to %(high)s.", low=VALUE_MIN,
                           high=VALUE_MAX))
        choice_values = values
        defaults = {option.value: option.satisfied for option in qtype.default_options()}
        options = [OptionSpec(values[choice.name], choice.label["vi"] or choice.label["en"], choice.label["en"],
                              defaults.get(values[choice.name], False)) for choice in choices]
    elif type_name == "rating10":
        options = qtype.default_options()
        choice_values = {str(option.value): option.value for option in options}
    if qtype.rated and row.get("satisfied") and options is not None:
        wanted = set(row["satisfied"].replace(",", " ").split())
        unknown = wanted - set(choice_values)
        if unknown:
            problems.add(survey.name, number, "satisfied", _("%(values)s are not choices of this question.",
                                                             values=", ".join(sorted(unknown))))
        chosen = {choice_values[name] for name in wanted if name in choice_values}
        options = [OptionSpec(o.value, o.label_vi, o.label_en, o.value in chosen) for o in options]
    if options is not None:
        problem = qtype.check_options(options)
        if problem:
            problems.add(survey.name, number, "type", problem)
    if not (label["vi"] or label["en"]):
        problems.add(survey.name, number, _column(survey, "label", "vi"), _("every question needs a label."))
    conditions = _conditions(survey, number, row.get("relevant", ""), known, types, problems)
    if len(problems.messages) > count:
        return None
    return ParsedQuestion(number, builder.QuestionSpec(
        name=name, type=type_name, label_vi=label["vi"] or label["en"], label_en=label["en"], hint_vi=hint["vi"] or hint["en"],
        hint_en=hint["en"], required=bool(required), options=options, conditions=conditions), choice_values)


def _conditions(survey: Sheet, number: int, expression: str, known: dict[str, ParsedQuestion], types,
                problems: Problems) -> list[tuple[str, int]]:
    """(question name, value) pairs of a ``relevant`` expression; problems for anything else."""
    expression = " ".join(expression.split())
    if not expression:
        return []
    column = _column(survey, "relevant")
    found = []
    for clause in re.split(r"\s+and\s+", expression):
        clause = clause.strip()
        while clause.startswith("(") and clause.endswith(")") and CLAUSE.match(clause) is None:
            clause = clause[1:-1].strip()
        match = CLAUSE.match(clause)
        if match is None:
            problems.add(survey.name, number, column, _(
                "%(clause)s cannot be read: only ${question} = 'value', selected(${question}, 'value') and “and” "
                "are supported.", clause=clause))
            continue
        name = match.group("name") or match.group("sname")
        value = (match.group("value") or match.group("svalue")).strip("'\"")
        earlier = known.get(name.strip())
        if earlier is None:
            problems.add(survey.name, number, column, _("${%(name)s} is not an earlier question of the form.",
                                                        name=name))
            continue
        if value not in earlier.choice_values:
            problems.add(survey.name, number, column, _("%(value)s is not a choice of %(name)s.", value=value,
                                                        name=name))
            continue
        found.append((name.strip(), earlier.choice_values[value]))
    return found


_FIELD_COLUMNS = {"name": "name", "type": "type", "label_vi": f"label::{LANGUAGES['vi']}",
                  "label_en": f"label::{LANGUAGES['en']}", "hint_vi": f"hint::{LANGUAGES['vi']}",
                  "hint_en": f"hint::{LANGUAGES['en']}", "options": "type", "conditions": "relevant",
                  "criterion": "name", "title_vi": f"label::{LANGUAGES['vi']}", "title_en": f"label::{LANGUAGES['en']}",
                  "description_vi": "note", "description_en": "note"}


def import_survey(data: bytes, *, survey: Survey | None = None, code: str | None = None, actor=None):
    """Make a draft from an XLSForm: a new survey (code from ``code``, else the settings' form_id),
    or the next version of ``survey``. All or nothing: Invalid lists every problem."""
    settings, sections, intro, problems = parse_workbook(data)
    problems.raise_if_any()
    title_vi = settings.get("form_title", "") or (survey.title if survey else "")
    title_en = next((value for key, value in settings.items() if key.startswith("form_title::")
                     and _language(key, "") == "en"), "")
    if survey is not None:
        if survey.draft is not None:
            raise Conflict(_("The survey has a draft already: discard it or edit it."))
        version = builder.empty_draft(survey, title_vi or survey.title, title_en, intro["vi"], intro["en"])
    else:
        wanted = (code or settings.get("form_id", "")).strip().lower()
        if not wanted:
            problems.add("settings", 2, "form_id", _("give the survey's code (letters, digits, “-” or “_”)."))
            problems.raise_if_any()
        try:
            survey = builder.create_survey(wanted, title_vi or wanted, title_en, intro["vi"], intro["en"], actor=actor)
        except Invalid as refusal:
            for key, message in refusal.fields.items():
                column = {"code": "form_id", "title_vi": "form_title", "title_en": "form_title"}.get(key, key)
                sheet, row = ("survey", 1) if key.startswith("intro") else ("settings", 2)
                problems.add(sheet, row, column, message)
            problems.raise_if_any()
        version = survey.draft
    for parsed_section in sections:
        try:
            section = builder.add_section(version, parsed_section.spec)
        except Invalid as refusal:
            for key, message in refusal.fields.items() or {"": refusal.message}.items():
                problems.add("survey", parsed_section.row, _FIELD_COLUMNS.get(key, key), str(message))
            continue
        for parsed in parsed_section.questions:
            try:
                builder.add_question(section, parsed.spec)
            except Invalid as refusal:
                for key, message in refusal.fields.items() or {"": refusal.message}.items():
                    problems.add("survey", parsed.row, _FIELD_COLUMNS.get(key, key), str(message))
    problems.raise_if_any()
    db.session.flush()
    return survey
