"""Demo answers: the demo province answers the SIPAS-style survey for the six months before this
one and this month so far, with a realistic spread per unit (busy desks and quiet ones, a few
units with few answers, one clearly below the 85% target). Written in bulk (a few statements)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from feedback.extensions import db
from feedback.procedures.models import Procedure
from feedback.surveys import template
from feedback.surveys.builder import create_from_template
from feedback.surveys.models import Survey, SurveyAnswer, SurveyResponse, month_of
from feedback.surveys.services import sender_hash
from feedback.timeutil import LOCAL_TZ, utcnow
from feedback.units.models import Unit

MONTHS = 6
# Responses a month, by kind of unit, before the per-unit spread.
VOLUME = {"service_centre": 70, "commune": 35, "department": 15, "province": 10, "sub_department": 5,
          "division": 4, "other": 5}
# The share of satisfied answers a unit aims at, by default; one unit lags far behind.
SATISFACTION = (0.86, 0.97)
LAGGING_UNIT = "QN.SXD"
LAGGING_SATISFACTION = 0.64
# Some criteria do a little better or worse than the unit's average.
CRITERION_SHIFT = {"access": 0.0, "procedure": -0.05, "civil_servant": 0.03, "result": 0.01,
                   "feedback_handling": -0.08, "overall": 0.0}
COMMENTS = [
    "Cần thêm ghế ngồi chờ ở khu vực tiếp nhận hồ sơ.",
    "Cán bộ hướng dẫn rất nhiệt tình, cảm ơn.",
    "Nên có thêm máy lấy số thứ tự và màn hình báo số.",
    "Thời gian chờ quá lâu vào buổi sáng thứ Hai.",
    "Đề nghị niêm yết rõ lệ phí ở cửa vào.",
    "Trang dịch vụ công trực tuyến hay bị lỗi khi tải tệp lên.",
    "Nhận kết quả qua bưu điện rất tiện, cảm ơn trung tâm.",
    "Bãi gửi xe chật, khó tìm chỗ.",
]


def load_demo_answers(province: Unit) -> None:
    """Make the template survey (if missing) and its answers (if it has none yet)."""
    survey = db.session.scalar(select(Survey).where(Survey.code == template.CODE))
    if survey is None:
        survey = create_from_template(publish_it=True)
    if survey.published is None:
        return
    if db.session.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id)):
        return
    units = [unit for unit in db.session.scalars(select(Unit).order_by(Unit.code)) if unit.is_current]
    procedures: dict[int, list[int]] = {}
    for procedure_id, unit_id in db.session.execute(select(Procedure.id, Procedure.unit_id)):
        procedures.setdefault(unit_id, []).append(procedure_id)
    write_answers(survey, units, procedures, random.Random(2026), utcnow())  # nosec B311  # demo data, not secrets


def _months(now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) in UTC of the six months before this one and of this month up to now."""
    first = month_of(now)
    starts = [first]
    for _ in range(MONTHS):
        starts.insert(0, (starts[0] - dt.timedelta(days=1)).replace(day=1))
    spans = []
    for index, start in enumerate(starts):
        begin = dt.datetime.combine(start, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
        end = (dt.datetime.combine(starts[index + 1], dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
               if index + 1 < len(starts) else now)
        spans.append((begin, end))
    return spans


def _moment(rng: random.Random, begin: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A moment during office hours (local) between begin and end; weekdays mostly."""
    for _ in range(20):
        moment = begin + (end - begin) * rng.random()
        local = moment.astimezone(LOCAL_TZ)
        if 7 <= local.hour < 17 and (local.weekday() < 5 or rng.random() < 0.1):
            return moment
    return begin + (end - begin) * rng.random()


def _scale_answer(rng: random.Random, satisfied_share: float) -> int:
    if rng.random() < satisfied_share:
        return 5 if rng.random() < 0.55 else 4
    draw = rng.random()
    return 3 if draw < 0.6 else 2 if draw < 0.9 else 1


def write_answers(survey: Survey, units: list[Unit], procedures: dict[int, list[int]], rng: random.Random,
                  now: dt.datetime, lagging: str = LAGGING_UNIT) -> int:
    """Insert the demo responses and answers in bulk; returns the number of responses."""
    version = survey.published
    # Plain tuples: the loop below runs some hundred thousand times.
    questions = [(question.name, question.id, question.rated, question.section.criterion,
                  frozenset(option.value for option in question.options if option.satisfied))
                 for question in version.ordered_questions()]
    quiet = {unit.code for unit in units[3::9]}  # a few units with few answers
    total = 0
    for begin, end in _months(now):
        share = (end - begin) / dt.timedelta(days=30)
        responses, plans = [], []
        for unit in units:
            base = VOLUME.get(unit.kind, 5) * (0.15 if unit.code in quiet else 1.0)
            count = max(0, int(round(base * share * rng.uniform(0.7, 1.3))))
            level = LAGGING_SATISFACTION if unit.code == lagging else rng.uniform(*SATISFACTION)
            for _ in range(count):
                submitted_at = _moment(rng, begin, end)
                channel = rng.choices(["link", "kiosk", "api"], weights=[55, 35, 10])[0]
                own = procedures.get(unit.id)
                procedure_id = rng.choice(own) if own and rng.random() < 0.5 else None
                responses.append({"survey_id": survey.id, "version_id": version.id, "unit_id": unit.id,
                                  "procedure_id": procedure_id, "channel": channel, "locale": "vi",
                                  "submitted_at": submitted_at, "month": month_of(submitted_at),
                                  "recorded_at": submitted_at,
                                  "sender_hash": sender_hash("sender", f"demo-{rng.getrandbits(32)}")})
                plans.append((unit, level, procedure_id, month_of(submitted_at)))
        if not responses:
            continue
        # Core inserts (one executemany each): the ORM's bulk insert would split the rows into many
        # small statements whenever the pattern of empty columns changes.
        table = SurveyResponse.__table__
        ids = db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), responses).all()
        answers = []
        for response_id, (unit, level, procedure_id, month) in zip(ids, plans):
            common = {"response_id": response_id, "survey_id": survey.id, "unit_id": unit.id,
                      "procedure_id": procedure_id, "month": month}
            sent = rng.random() < 0.12
            for name, question_id, rated, criterion, satisfied in questions:
                value, text = None, None
                shift = CRITERION_SHIFT.get(criterion, 0.0)
                if name == "feedback_sent":
                    value = 1 if sent else (0 if rng.random() < 0.7 else None)
                elif name in ("feedback_received", "feedback_informed"):
                    if sent:
                        value = _scale_answer(rng, level + shift - 0.05)
                elif name == "access_online":
                    if rng.random() < 0.6:
                        value = _scale_answer(rng, level + shift)
                elif name == "comment":
                    text = rng.choice(COMMENTS) if rng.random() < 0.08 else None
                elif rated:
                    value = _scale_answer(rng, min(0.995, level + shift))
                if value is None and text is None:
                    continue
                answers.append({**common, "question_id": question_id, "value": value, "text": text,
                                "satisfied": (value in satisfied) if rated else None})
        db.session.execute(insert(SurveyAnswer.__table__), answers)
        total += len(responses)
    db.session.flush()
    return total
