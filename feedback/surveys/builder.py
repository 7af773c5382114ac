"""Building surveys: drafts, sections, questions, options, display conditions, publishing (which
freezes a version), new versions and archiving. Every surface (the builder's pages, XLSForm
import, the template command) calls these; they flush, the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from feedback.errors import Conflict, Invalid
from feedback.extensions import db
from feedback.surveys.models import OVERALL, SIPAS_CRITERIA, Survey, SurveyCondition, SurveyOption, SurveyQuestion, \
    SurveyResponse, SurveySection, SurveyVersion
from feedback.surveys.types import OptionSpec, question_type, question_types
from feedback.timeutil import utcnow

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# XLSForm names: a letter or "_" first, then letters, digits, "_", "-" or ".".
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
CRITERION_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,39}$")
TITLE_MAX = 200
INTRO_MAX = 4000
LABEL_MAX = 500
HINT_MAX = 500
OPTION_LABEL_MAX = 200
SECTIONS_MAX = 30
QUESTIONS_MAX = 200
CONDITIONS_MAX = 5


@dataclass
class SectionSpec:
    """A section as an administrator (or an XLSForm) gives it."""

    criterion: str
    title_vi: str
    title_en: str = ""
    description_vi: str = ""
    description_en: str = ""


@dataclass
class QuestionSpec:
    """A question as an administrator (or an XLSForm) gives it. ``options`` None: the type's
    defaults. ``conditions``: (name of an earlier question, option value) pairs, all required."""

    name: str
    type: str
    label_vi: str
    label_en: str = ""
    hint_vi: str = ""
    hint_en: str = ""
    required: bool = False
    options: list[OptionSpec] | None = None
    conditions: list[tuple[str, int]] = field(default_factory=list)


# --- checks ---------------------------------------------------------------------------------


def _text(errors: dict, key: str, value: str, most: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[key] = _("This field is required.")
    elif len(value) > most:
        errors[key] = _("At most %(most)s characters (you wrote %(count)s).", most=most, count=len(value))
    elif "\x00" in value:
        errors[key] = _("The text holds characters that cannot be stored.")
    return value


def _draft(version: SurveyVersion) -> None:
    if not version.is_draft:
        raise Conflict(_("Version %(number)s is published: it can no longer change. Make a new version to edit "
                         "the survey.", number=version.number))


def _renumber(version: SurveyVersion) -> None:
    """Positions from the order of the lists: sections 1..n, questions 1..m across the version."""
    position = 0
    for section_position, section in enumerate(version.sections, 1):
        if section.position != section_position:
            section.position = section_position
        for question in section.questions:
            position += 1
            if question.position != position:
                question.position = position


# --- surveys and versions -----------------------------------------------------------------------


def create_survey(code: str, title_vi: str, title_en: str = "", intro_vi: str = "", intro_en: str = "",
                  unit=None, actor=None) -> Survey:
    """A new survey with an empty draft, version 1."""
    errors: dict[str, str] = {}
    code = (code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        errors["code"] = _("Use 1 to 40 lower-case letters, digits, “-” or “_”, e.g. sipas-2027.")
    elif db.session.scalar(select(Survey.id).where(Survey.code == code)) is not None:
        errors["code"] = _("Another survey has the code %(code)s.", code=code)
    texts = _version_texts(errors, title_vi, title_en, intro_vi, intro_en)
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    survey = Survey(code=code, unit=unit, created_by=actor, created_at=utcnow())
    db.session.add(survey)
    survey.versions.append(SurveyVersion(number=1, created_at=utcnow(), **texts))
    db.session.flush()
    return survey


def _version_texts(errors: dict, title_vi: str, title_en: str, intro_vi: str, intro_en: str) -> dict:
    return {"title_vi": _text(errors, "title_vi", title_vi, TITLE_MAX, required=True),
            "title_en": _text(errors, "title_en", title_en, TITLE_MAX),
            "intro_vi": _text(errors, "intro_vi", intro_vi, INTRO_MAX),
            "intro_en": _text(errors, "intro_en", intro_en, INTRO_MAX)}


def update_texts(version: SurveyVersion, title_vi: str, title_en: str = "", intro_vi: str = "",
                 intro_en: str = "") -> SurveyVersion:
    _draft(version)
    errors: dict[str, str] = {}
    texts = _version_texts(errors, title_vi, title_en, intro_vi, intro_en)
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    for key, value in texts.items():
        setattr(version, key, value)
    db.session.flush()
    return version


def problems(version: SurveyVersion) -> list[str]:
    """What stops a version from being published, in sentences for the administrator."""
    found = []
    if not version.sections:
        found.append(_("The survey has no section."))
    for section in version.sections:
        if not section.questions:
            found.append(_("Section “%(title)s” has no question.", title=section.title))
    types = question_types()
    for question in version.ordered_questions():
        if question.type not in types:
            found.append(_("Question %(name)s has a type no plugin gives now (%(type)s).", name=question.name,
                           type=question.type))
        for condition in question.conditions:
            if condition.depends_on.position >= question.position:
                found.append(_("Question %(name)s depends on %(other)s, which comes after it.", name=question.name,
                               other=condition.depends_on.name))
    return found


def publish(version: SurveyVersion, actor=None) -> SurveyVersion:
    """Freeze the draft and make it the version people answer; the previous one retires."""
    _draft(version)
    found = problems(version)
    if found:
        raise Invalid(_("The survey cannot be published yet: %(problems)s", problems=" ".join(found)))
    now = utcnow()
    current = version.survey.published
    if current is not None:
        current.retired_at = now
    version.published_at = now
    version.published_by = actor
    db.session.flush()
    return version


def empty_draft(survey: Survey, title_vi: str, title_en: str = "", intro_vi: str = "",
                intro_en: str = "") -> SurveyVersion:
    """A new, empty draft version (an XLSForm import fills it)."""
    if survey.draft is not None:
        raise Conflict(_("The survey has a draft already: discard it or edit it."))
    errors: dict[str, str] = {}
    texts = _version_texts(errors, title_vi, title_en, intro_vi, intro_en)
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    draft = SurveyVersion(number=survey.latest.number + 1, created_at=utcnow(), **texts)
    survey.versions.append(draft)
    db.session.flush()
    return draft


def publish_draft(survey: Survey, actor=None) -> SurveyVersion:
    if survey.draft is None:
        raise Conflict(_("The survey has no draft."))
    return publish(survey.draft, actor)


def new_draft(survey: Survey) -> SurveyVersion:
    """The draft to edit: the existing one, or a copy of the latest version as the next number.

    The copy has new rows throughout, so the answers of the published version keep pointing at
    questions that never change.
    """
    if survey.draft is not None:
        return survey.draft
    source = survey.latest
    draft = SurveyVersion(number=source.number + 1, created_at=utcnow(), title_vi=source.title_vi,
                          title_en=source.title_en, intro_vi=source.intro_vi, intro_en=source.intro_en)
    survey.versions.append(draft)
    db.session.flush()
    with db.session.no_autoflush:
        copies: dict[int, SurveyQuestion] = {}
        for section in source.sections:
            new_section = SurveySection(criterion=section.criterion, position=section.position,
                                        title_vi=section.title_vi, title_en=section.title_en,
                                        description_vi=section.description_vi, description_en=section.description_en)
            draft.sections.append(new_section)
            for question in section.questions:
                copy = SurveyQuestion(name=question.name, type=question.type, position=question.position,
                                      required=question.required, rated=question.rated, label_vi=question.label_vi,
                                      label_en=question.label_en, hint_vi=question.hint_vi, hint_en=question.hint_en)
                db.session.add(copy)
                copy.version = draft
                new_section.questions.append(copy)
                for option in question.options:
                    copy.options.append(SurveyOption(version_id=draft.id, value=option.value, position=option.position,
                                                     label_vi=option.label_vi, label_en=option.label_en,
                                                     satisfied=option.satisfied))
                copies[question.id] = copy
        for question in source.ordered_questions():
            for condition in question.conditions:
                copies[question.id].conditions.append(SurveyCondition(version_id=draft.id, value=condition.value,
                                                                      depends_on=copies[condition.depends_on_id]))
    db.session.flush()
    return draft


def discard_draft(survey: Survey) -> None:
    draft = survey.draft
    if draft is None:
        raise Conflict(_("The survey has no draft."))
    if len(survey.versions) == 1:
        raise Conflict(_("The only version of a survey cannot be discarded; archive the survey instead."))
    survey.versions.remove(draft)  # delete-orphan: the draft and everything in it go
    db.session.flush()


def archive(survey: Survey) -> Survey:
    if survey.archived_at is not None:
        raise Conflict(_("The survey is already archived."))
    survey.archived_at = utcnow()
    db.session.flush()
    return survey


def restore(survey: Survey) -> Survey:
    if survey.archived_at is None:
        raise Conflict(_("The survey is not archived."))
    survey.archived_at = None
    db.session.flush()
    return survey


def answer_count(version: SurveyVersion) -> int:
    return db.session.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.version_id == version.id))


# --- sections -------------------------------------------------------------------------------


def _section_fields(version: SurveyVersion, spec: SectionSpec, section: SurveySection | None = None) -> dict:
    errors: dict[str, str] = {}
    criterion = (spec.criterion or "").strip()
    if not CRITERION_PATTERN.match(criterion):
        errors["criterion"] = _("Use 1 to 40 letters, digits or “_”, starting with a letter, e.g. access.")
    elif any(other.criterion == criterion and other is not section for other in version.sections):
        errors["criterion"] = _("Another section of this survey has the key %(key)s.", key=criterion)
    values = {"criterion": criterion,
              "title_vi": _text(errors, "title_vi", spec.title_vi, TITLE_MAX, required=True),
              "title_en": _text(errors, "title_en", spec.title_en, TITLE_MAX),
              "description_vi": _text(errors, "description_vi", spec.description_vi, INTRO_MAX),
              "description_en": _text(errors, "description_en", spec.description_en, INTRO_MAX)}
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    return values


def add_section(version: SurveyVersion, spec: SectionSpec) -> SurveySection:
    _draft(version)
    if len(version.sections) >= SECTIONS_MAX:
        raise Invalid(_("A survey has at most %(most)s sections.", most=SECTIONS_MAX))
    section = SurveySection(position=len(version.sections) + 1, **_section_fields(version, spec))
    version.sections.append(section)
    db.session.flush()
    return section


def update_section(section: SurveySection, spec: SectionSpec) -> SurveySection:
    _draft(section.version)
    for key, value in _section_fields(section.version, spec, section).items():
        setattr(section, key, value)
    db.session.flush()
    return section


def delete_section(section: SurveySection) -> None:
    version = section.version
    _draft(version)
    if section.questions:
        raise Conflict(_("Move or delete the questions of this section first."))
    version.sections.remove(section)  # delete-orphan
    _renumber(version)
    db.session.flush()


def move_section(section: SurveySection, offset: int) -> None:
    version = section.version
    _draft(version)
    sections = version.sections
    index = sections.index(section)
    target = max(0, min(len(sections) - 1, index + offset))
    if target != index:
        sections.insert(target, sections.pop(index))
        _renumber(version)
        _check_condition_order(version)
    db.session.flush()


# --- questions ------------------------------------------------------------------------------


def _question_fields(version: SurveyVersion, spec: QuestionSpec, question: SurveyQuestion | None = None) -> dict:
    errors: dict[str, str] = {}
    name = (spec.name or "").strip()
    if not NAME_PATTERN.match(name):
        errors["name"] = _("Use 1 to 64 letters, digits, “_”, “-” or “.”, starting with a letter, e.g. "
                           "staff_courtesy.")
    elif any(other.name == name and other is not question for other in version.questions):
        errors["name"] = _("Another question of this survey has the name %(name)s.", name=name)
    qtype = question_type(spec.type)
    if qtype is None:
        errors["type"] = _("Choose a type of question from the list.")
    elif question is not None and question.type != spec.type and _depended_on(question):
        errors["type"] = _("Other questions are shown depending on this one: remove their conditions before "
                           "changing its type.")
    values = {"name": name, "type": spec.type, "required": bool(spec.required),
              "label_vi": _text(errors, "label_vi", spec.label_vi, LABEL_MAX, required=True),
              "label_en": _text(errors, "label_en", spec.label_en, LABEL_MAX),
              "hint_vi": _text(errors, "hint_vi", spec.hint_vi, HINT_MAX),
              "hint_en": _text(errors, "hint_en", spec.hint_en, HINT_MAX)}
    options: list[OptionSpec] = []
    if qtype is not None:
        values["rated"] = qtype.rated
        options = list(spec.options) if spec.options is not None else qtype.default_options()
        if not qtype.has_options:
            options = []
        cleaned = []
        for option in options:
            label_vi, label_en = option.label_vi.strip(), option.label_en.strip()
            if len(label_vi) > OPTION_LABEL_MAX or len(label_en) > OPTION_LABEL_MAX:
                errors["options"] = _("An option's label has at most %(most)s characters.", most=OPTION_LABEL_MAX)
            cleaned.append(OptionSpec(option.value, label_vi, label_en, bool(option.satisfied and qtype.rated)))
        options = cleaned
        if "options" not in errors:
            problem = qtype.check_options(options)
            if problem:
                errors["options"] = problem
    if len(spec.conditions) > CONDITIONS_MAX:
        errors["conditions"] = _("A question has at most %(most)s conditions.", most=CONDITIONS_MAX)
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    return {"values": values, "options": options}


def _depended_on(question: SurveyQuestion) -> bool:
    return any(condition.depends_on is question for other in question.version.questions
               for condition in other.conditions)


def _check_kept_options(question: SurveyQuestion, options: Sequence[OptionSpec]) -> None:
    """Options that other questions' conditions name must stay."""
    wanted = {option.value for option in options}
    for other in question.version.questions:
        for condition in other.conditions:
            if condition.depends_on is question and condition.value not in wanted:
                raise Invalid(_("Some fields are not valid."), {"options": _(
                    "Another question is shown when this one is answered %(value)s: keep that option or remove "
                    "the condition first.", value=condition.value)})


def _set_options(question: SurveyQuestion, options: Sequence[OptionSpec]) -> None:
    """Keep the option rows whose value stays (conditions may refer to them), change their labels."""
    wanted = {option.value: option for option in options}
    for existing in list(question.options):
        if existing.value not in wanted:
            question.options.remove(existing)
    by_value = {option.value: option for option in question.options}
    for position, spec in enumerate(options, 1):
        row = by_value.get(spec.value)
        if row is None:
            row = SurveyOption(value=spec.value, version_id=question.version.id)
            question.options.append(row)
        row.position, row.label_vi, row.label_en, row.satisfied = position, spec.label_vi, spec.label_en, spec.satisfied
    question.options.sort(key=lambda option: option.position)


def _resolve_conditions(version: SurveyVersion, question: SurveyQuestion | None, conditions, position: int):
    """The (question, value) pairs of ``conditions``, checked before anything changes; ``position``
    is where the question will stand."""
    by_name = {other.name: other for other in version.questions}
    wanted = []
    for name, value in conditions:
        depends_on = by_name.get(name)
        if depends_on is None or depends_on is question:
            raise Invalid(_("Some fields are not valid."), {"conditions": _(
                "The condition names no other question of this survey: %(name)s.", name=name)})
        if depends_on.position >= position:
            raise Invalid(_("Some fields are not valid."), {"conditions": _(
                "A question can only depend on an earlier one; %(name)s comes after it.", name=name)})
        if depends_on.option(value) is None:
            raise Invalid(_("Some fields are not valid."), {"conditions": _(
                "%(value)s is not one of the options of %(name)s.", value=value, name=name)})
        if (depends_on, value) not in wanted:
            wanted.append((depends_on, value))
    return wanted


def _position_at_end_of(section: SurveySection, question: SurveyQuestion | None = None) -> int:
    """The position a question gets when it goes (or moves) to the end of ``section``."""
    before = 0
    for each in section.version.sections:
        before += sum(1 for other in each.questions if other is not question)
        if each is section:
            return before + 1
    return before + 1


def _set_conditions(question: SurveyQuestion, wanted) -> None:
    for existing in list(question.conditions):
        if (existing.depends_on, existing.value) not in wanted:
            question.conditions.remove(existing)
    have = {(existing.depends_on, existing.value) for existing in question.conditions}
    for depends_on, value in wanted:
        if (depends_on, value) not in have:
            question.conditions.append(SurveyCondition(depends_on=depends_on, value=value,
                                                       version_id=question.version.id))


def _check_condition_order(version: SurveyVersion) -> None:
    for question in version.ordered_questions():
        for condition in question.conditions:
            if condition.depends_on.position >= question.position:
                raise Invalid(_("%(name)s is shown depending on %(other)s, which would then come after it: remove "
                                "the condition first.", name=question.name, other=condition.depends_on.name))


def add_question(section: SurveySection, spec: QuestionSpec) -> SurveyQuestion:
    """A question at the end of ``section``."""
    version = section.version
    _draft(version)
    if len(version.questions) >= QUESTIONS_MAX:
        raise Invalid(_("A survey has at most %(most)s questions.", most=QUESTIONS_MAX))
    fields = _question_fields(version, spec)
    conditions = _resolve_conditions(version, None, spec.conditions, _position_at_end_of(section))
    with db.session.no_autoflush:
        question = SurveyQuestion(position=0, **fields["values"])
        db.session.add(question)
        question.version = version
        section.questions.append(question)
    _renumber(version)
    db.session.flush()
    _set_options(question, fields["options"])
    _set_conditions(question, conditions)
    db.session.flush()
    return question


def update_question(question: SurveyQuestion, spec: QuestionSpec, section: SurveySection | None = None) -> SurveyQuestion:
    """Change a draft's question; ``section``: move it to the end of another section."""
    version = question.version
    _draft(version)
    fields = _question_fields(version, spec, question)
    moving = section is not None and section is not question.section
    if moving and section.version is not version:
        raise Invalid(_("Some fields are not valid."), {"section": _("Choose a section of this survey.")})
    position = _position_at_end_of(section, question) if moving else question.position
    conditions = _resolve_conditions(version, question, spec.conditions, position)
    if moving and any(condition.depends_on is question and other.position <= position
                      for other in version.questions if other is not question for condition in other.conditions):
        raise Invalid(_("Some fields are not valid."), {"section": _(
            "Questions shown depending on this one would come before it: move them first.")})
    _check_kept_options(question, fields["options"])
    for key, value in fields["values"].items():
        setattr(question, key, value)
    if moving:
        question.section.questions.remove(question)
        section.questions.append(question)
        _renumber(version)
    _set_options(question, fields["options"])
    _set_conditions(question, conditions)
    _check_condition_order(version)
    db.session.flush()
    return question


def delete_question(question: SurveyQuestion) -> None:
    version = question.version
    _draft(version)
    if _depended_on(question):
        raise Conflict(_("Other questions are shown depending on this one: remove their conditions first."))
    question.section.questions.remove(question)
    version.questions.remove(question)  # delete-orphan: the question, its options and conditions go
    _renumber(version)
    db.session.flush()


def move_question(question: SurveyQuestion, offset: int) -> None:
    """Up (-1) or down (+1) within its section."""
    version = question.version
    _draft(version)
    questions = question.section.questions
    index = questions.index(question)
    target = max(0, min(len(questions) - 1, index + offset))
    if target != index:
        questions.insert(target, questions.pop(index))
        _renumber(version)
        _check_condition_order(version)
    db.session.flush()


# --- the template ---------------------------------------------------------------------------


def create_from_template(code: str | None = None, unit=None, actor=None, publish_it: bool = False) -> Survey:
    """A survey made from the SIPAS-style template (feedback.surveys.template)."""
    from feedback.surveys import template

    survey = create_survey(code or template.CODE, template.TITLE[0], template.TITLE[1], template.INTRO[0],
                           template.INTRO[1], unit=unit, actor=actor)
    version = survey.draft
    for section_spec in template.SECTIONS:
        section = add_section(version, SectionSpec(section_spec.criterion, section_spec.vi, section_spec.en))
        for q in section_spec.questions:
            add_question(section, QuestionSpec(name=q.name, type=q.type, label_vi=q.vi, label_en=q.en,
                                               hint_vi=q.hint_vi, hint_en=q.hint_en, required=q.required,
                                               conditions=list(q.show_if)))
    if publish_it:
        publish(version, actor)
    return survey


def known_criteria() -> dict[str, str]:
    """The criteria keys the builder proposes, with their names."""
    return {**{key: str(label) for key, label in SIPAS_CRITERIA.items()}, OVERALL: _("Overall")}
