"""A province for the benchmarks, written in bulk: units, procedures, items over three years with
their events, holdings (obligations), answers and register rows, and survey answers.

Rows go straight into the tables (COPY on PostgreSQL, executemany on SQLite), not through the
services: a million items through the filing service would take hours. The demo province must be
loaded first (its survey, its staff and its calendar are reused); everything here is added to it.
The rows look like what the services write (same codes, same folded search text, same event
actions), so that the pages read them as they read real ones.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import time
from dataclasses import dataclass

from feedback.items import audit
from feedback.items.codes import ALPHABET, PREFIXES, check_character
from feedback.text import fold

UTC = dt.timezone.utc
YEARS = 3
BATCH = 20_000


@dataclass(frozen=True)
class Scale:
    units: int
    procedures: int
    items: int
    survey_answers: int


SCALES = {
    # The test suite runs the benchmark at this size: every scenario, in seconds.
    "tiny": Scale(units=40, procedures=60, items=2_000, survey_answers=20_000),
    "small": Scale(units=300, procedures=2_000, items=50_000, survey_answers=500_000),
    "province": Scale(units=300, procedures=2_000, items=1_000_000, survey_answers=10_000_000),
}

WORDS = ("hồ sơ", "khai sinh", "chứng thực", "giấy phép xây dựng", "đăng ký kinh doanh", "cấp đổi", "bị chậm",
         "quá hạn", "trễ hẹn", "cán bộ", "hướng dẫn", "thái độ", "lệ phí", "bưu chính", "trực tuyến", "một cửa",
         "lý lịch tư pháp", "hộ tịch", "môi trường", "giao thông", "đề nghị", "rút ngắn thời gian", "bổ sung")
FIELDS = ("Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Kinh doanh", "Giao thông", "Môi trường", "Tư pháp",
          "Y tế", "Giáo dục", "Lao động", "Thuế")
ANSWER = ("Đơn vị đã tiếp nhận và kiểm tra nội dung phản ánh, kiến nghị; đã chấn chỉnh bộ phận liên quan, "
          "hướng dẫn cụ thể cho người dân và cam kết thực hiện đúng quy trình, thời hạn theo quy định.")
# One item in a hundred carries this phrase: the search scenario looks for it without diacritics.
RARE = "thủ tục đất đai"


def tracking_code(kind: str, year: int, number: int) -> str:
    """A valid tracking code (check character included) made from ``number`` rather than chance."""
    body = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(7)))
    prefix, yy = PREFIXES[kind], f"{year % 100:02d}"
    tail = body + check_character(prefix + yy + body)
    return f"{prefix}-{yy}-{tail[:4]}-{tail[4:]}"


class Writer:
    """Bulk rows into one database: COPY on PostgreSQL, executemany on SQLite; one commit a batch."""

    def __init__(self, engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.cursor = self.raw.cursor()
        self.rows = 0

    def value(self, value):
        if self.postgres:
            if isinstance(value, dict):
                return json.dumps(value)
            return value
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([self.value(value) for value in row])
        else:
            self.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                    f"({', '.join('?' * len(columns))})",
                                    [tuple(self.value(value) for value in row) for row in rows])
        self.rows += len(rows)

    def scalar(self, sql: str):
        self.cursor.execute(sql)
        return self.cursor.fetchone()[0]

    def all(self, sql: str) -> list[tuple]:
        self.cursor.execute(sql)
        return self.cursor.fetchall()

    def commit(self) -> None:
        self.raw.commit()

    def finish(self, tables: list[str]) -> None:
        if self.postgres:
            for table in tables:
                self.cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
            self.raw.commit()
            self.raw.driver_connection.autocommit = True
            self.raw.driver_connection.execute("VACUUM ANALYZE")
        else:
            self.cursor.execute("ANALYZE")
            self.raw.commit()

    def close(self) -> None:
        self.raw.close()


def _next_id(writer: Writer, table: str) -> int:
    return writer.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}") + 1


def seed(url: str, scale: Scale, progress=print) -> dict:
    """Add ``scale`` to the demo province in ``url``; returns what the scenarios need and the timings."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    writer = Writer(engine)
    rng = random.Random(14)
    now = dt.datetime.now(UTC).replace(microsecond=0)
    timings = {}
    started = time.perf_counter()
    try:
        units = _units(writer, scale, now)
        procedures = _procedures(writer, scale, units, now)
        timings["units and procedures"] = time.perf_counter() - started
        mark = time.perf_counter()
        items = _items(writer, scale, units, procedures, rng, now, progress)
        timings["items, events, answers, register"] = time.perf_counter() - mark
        mark = time.perf_counter()
        answers = _survey_answers(writer, scale, units, procedures, rng, now, progress)
        timings["survey answers"] = time.perf_counter() - mark
        mark = time.perf_counter()
        writer.finish(["units", "procedures", "items", "item_events", "responses", "accountability_answers",
                       "survey_responses", "survey_answers", "obligations"])
        timings["analyze"] = time.perf_counter() - mark
        mark = time.perf_counter()
        _summaries(url)
        timings["summaries"] = time.perf_counter() - mark
    finally:
        writer.close()
        engine.dispose()
    timings["total"] = time.perf_counter() - started
    return {"timings": timings, "rows": writer.rows, "items": items, "survey_answers": answers,
            "unit": units[0][1]}


def _summaries(url: str) -> None:
    """What tick keeps by now for the dashboards: the closed months' on-time figures and survey results."""
    from feedback import create_app
    from feedback.plugins.accountability.summaries import rebuild
    from feedback.plugins.reports.snapshot import freeze_due
    from feedback.timeutil import utcnow
    from feedback.transaction import run

    # A key of its own: nothing signed here outlives the seeding.
    with create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32)}).app_context():
        rebuild(utcnow())
        run(lambda: freeze_due(utcnow()))


def _units(writer: Writer, scale: Scale, now: dt.datetime) -> list[tuple[int, str]]:
    """Communes under the demo's districts (or its province) until there are ``scale.units``."""
    existing = writer.all("SELECT id, code, kind FROM units WHERE valid_until IS NULL ORDER BY id")
    parents = [row for row in existing if row[2] in ("district", "province")] or existing[:1]
    next_id = _next_id(writer, "units")
    rows = []
    for number in range(max(0, scale.units - len(existing))):
        parent = parents[number % len(parents)]
        rows.append((next_id + number, f"{parent[1]}.B{number:04d}", f"Ủy ban nhân dân xã Thử Nghiệm {number + 1}",
                     "commune", parent[0], dt.date(2025, 7, 1), now))
    writer.write("units", ("id", "code", "name", "kind", "parent_id", "valid_from", "created_at"), rows)
    writer.commit()
    return [(row[0], row[1]) for row in existing] + [(row[0], row[1]) for row in rows]


def _procedures(writer: Writer, scale: Scale, units, now: dt.datetime) -> list[tuple[int, int, str, str]]:
    existing = writer.scalar("SELECT COUNT(*) FROM procedures")
    next_id = _next_id(writer, "procedures")
    rows = []
    for number in range(max(0, scale.procedures - existing)):
        unit_id = units[number % len(units)][0]
        field = FIELDS[number % len(FIELDS)]
        name = f"Thủ tục {field.lower()} số {number + 1}"
        rows.append((next_id + number, f"9.{number:06d}.000.00.00.B00", name, field, unit_id, 10, 2, False,
                     fold(f"{name} {field}"), now, now))
    writer.write("procedures", ("id", "code", "name", "field", "unit_id", "processing_days", "online_level",
                                "postal_return", "search_text", "created_at", "updated_at"), rows)
    writer.commit()
    return [tuple(row) for row in writer.all("SELECT id, unit_id, code, field FROM procedures ORDER BY id")]


ITEM_COLUMNS = ("id", "code", "kind", "topic", "channel", "status", "unit_id", "procedure_id", "assignee_id", "title",
                "body", "publish", "received_at", "created_at", "due_at", "deadline_days", "responded_at",
                "access_key_hash", "search_text")
EVENT_COLUMNS = ("id", "item_id", "at", "actor_kind", "action", "from_status", "to_status", "unit_id", "reason",
                 "public", "data", "prev_hash", "row_hash")
RESPONSE_COLUMNS = ("id", "item_id", "body", "public_body", "unit_id", "created_at", "published_at", "discarded")
ANSWER_COLUMNS = ("id", "item_id", "unit_id", "received_at", "answered_at", "due_at", "on_time", "working_days")
# Each item's holding by its unit (feedback.obligations): the dashboards' on-time figures count these.
OBLIGATION_COLUMNS = ("id", "owner_type", "owner_id", "kind", "unit_id", "start_at", "days", "due_at", "basis",
                      "status", "ended_at", "late", "created_at")
ENTRY_COLUMNS = ("item_id", "code", "kind", "topic", "status", "unit_id", "procedure_id", "field", "received_at",
                 "due_at", "deadline_days", "responded_at", "published_at", "late_days", "extended", "transferred",
                 "title", "body", "answer", "answer_unit", "head_title", "search_text")


def _items(writer: Writer, scale: Scale, units, procedures, rng: random.Random, now: dt.datetime, progress) -> dict:
    """Items received over three years, evenly, newest last; 70% answered (a few late), the rest open."""
    by_unit: dict[int, list] = {}
    for procedure in procedures:
        by_unit.setdefault(procedure[1], []).append(procedure)
    unit_names = dict(writer.all("SELECT id, name FROM units"))
    item_id, event_id = _next_id(writer, "items"), _next_id(writer, "item_events")
    response_id, answer_id = _next_id(writer, "responses"), _next_id(writer, "accountability_answers")
    obligation_id = _next_id(writer, "obligations")
    first_item = item_id
    # A few hundred titles, folded once: the loop below runs a million times.
    titles = []
    for number in range(400):
        words = rng.sample(WORDS, 4)
        if number % 100 == 0:
            words[0] = RARE
        title = " ".join(words).capitalize()
        titles.append((title, f"{title}. Đề nghị đơn vị kiểm tra, xử lý và trả lời theo quy định."))
    folded_answer = fold(ANSWER)
    span = dt.timedelta(days=365 * YEARS)
    count = scale.items
    empty = {}
    # The event log is a hash chain (feedback.items.audit): each row carries the hash of the one before.
    writer.cursor.execute("SELECT row_hash FROM item_events ORDER BY id DESC LIMIT 1")
    last = writer.cursor.fetchone()
    previous = last[0] if last else audit.GENESIS
    for first in range(0, count, BATCH):
        items, events, responses, answers, entries, holdings = [], [], [], [], [], []
        for number in range(first, min(count, first + BATCH)):
            unit_id, _code = units[number % len(units)]
            own = by_unit.get(unit_id)
            procedure = own[number % len(own)] if own and number % 3 else None
            title, body = titles[number % len(titles)]
            received = now - span + span * (number / count) + dt.timedelta(seconds=1)
            kind = "petition" if number % 4 == 0 else "complaint"
            code = tracking_code(kind, received.year, item_id)
            due = received + dt.timedelta(days=14)
            answered = number % 10 < 7 and due - dt.timedelta(days=10) < now
            responded = received + dt.timedelta(days=(3, 7, 12, 16, 20)[number % 5]) if answered else None
            if responded is not None and responded > now:
                responded = None
            status = "responded" if responded else ("in_progress" if number % 2 else "assigned")
            late_days = max(0, (responded - due).days * 5 // 7) if responded else None
            publish = number % 3 != 0
            field = procedure[3] if procedure else ""
            search = (f"{fold(code)} {fold(title)} {fold(body)}" if publish else fold(code)) + \
                (f" {folded_answer}" if responded else "")
            items.append((item_id, code, kind, "procedure", "web", status, unit_id, procedure[0] if procedure else None,
                          None, title, body, publish, received, received, due, 10, responded, "0" * 64,
                          fold(f"{code} {title}")))
            events.append((event_id, item_id, received, "citizen", "filed", None, "received", unit_id, "", True, empty))
            events.append((event_id + 1, item_id, received, "system", "assign", "received", "assigned", unit_id, "",
                           True, empty))
            event_id += 2
            if responded:
                events.append((event_id, item_id, responded, "staff", "respond", "in_progress", "responded", unit_id,
                               "", True, empty))
                event_id += 1
                responses.append((response_id, item_id, ANSWER, ANSWER, unit_id, responded, responded, False))
                answers.append((answer_id, item_id, unit_id, received, responded, due, late_days == 0,
                                10 + late_days if late_days else (responded - received).days * 5 // 7))
                response_id += 1
                answer_id += 1
            # Met when answered (late as the answer was), else open: overdue once its deadline passed.
            holdings.append((obligation_id, "item", item_id, "answer", unit_id, received, 10, due, empty,
                             "met" if responded else "open", responded, bool(late_days) if responded else None,
                             received))
            obligation_id += 1
            entries.append((item_id, code, kind, "procedure", status, unit_id, procedure[0] if procedure else None,
                            field, received, due, 10, responded, responded, late_days, False, False,
                            title if publish else None, body if publish else None, ANSWER if responded else None,
                            unit_names.get(unit_id, "") if responded else "", "", search))
            item_id += 1
        writer.write("items", ITEM_COLUMNS, items)
        chained = []
        for event in events:
            fields = dict(zip(EVENT_COLUMNS, event), actor_id=None)
            digest = audit.row_hash(previous, fields)
            chained.append((*event, previous, digest))
            previous = digest
        writer.write("item_events", EVENT_COLUMNS, chained)
        writer.write("responses", RESPONSE_COLUMNS, responses)
        writer.write("accountability_answers", ANSWER_COLUMNS, answers)
        writer.write("register_entries", ENTRY_COLUMNS, entries)
        writer.write("obligations", OBLIGATION_COLUMNS, holdings)
        writer.commit()
        progress(f"  items {min(count, first + BATCH):,} / {count:,}")
    return {"first": first_item, "last": item_id - 1}


def _survey_answers(writer: Writer, scale: Scale, units, procedures, rng: random.Random, now: dt.datetime,
                    progress) -> dict:
    """Answers to the demo's published survey, spread over three years and every unit."""
    survey = writer.all("SELECT s.id, v.id FROM surveys s JOIN survey_versions v ON v.survey_id = s.id "
                        "WHERE v.published_at IS NOT NULL ORDER BY s.id, v.number DESC")
    if not survey:
        raise RuntimeError("the demo survey is missing: run `flask demo` first")
    survey_id, version_id = survey[0]
    questions = writer.all(
        "SELECT q.id, q.type FROM survey_questions q JOIN survey_sections s ON s.id = q.section_id "
        f"WHERE s.version_id = {version_id} AND q.type IN ('scale5', 'scale3', 'rating10', 'yes_no', 'single') "
        "ORDER BY s.position, q.position")
    scaled = [question_id for question_id, kind in questions if kind == "scale5"] or [questions[0][0]]
    per_response = len(scaled)
    responses = max(1, scale.survey_answers // per_response)
    response_id, answer_id = _next_id(writer, "survey_responses"), _next_id(writer, "survey_answers")
    span = dt.timedelta(days=365 * YEARS)
    by_unit: dict[int, list[int]] = {}
    for procedure in procedures:
        by_unit.setdefault(procedure[1], []).append(procedure[0])
    values = (5, 5, 4, 4, 4, 5, 3, 5, 4, 2, 5, 4, 1, 5, 4, 3, 5)
    first_response = response_id
    batch = max(1, BATCH // 2)
    for first in range(0, responses, batch):
        rows, answers = [], []
        for number in range(first, min(responses, first + batch)):
            unit_id = units[(number * 7) % len(units)][0]
            own = by_unit.get(unit_id)
            procedure_id = own[number % len(own)] if own and number % 2 else None
            submitted = now - span + span * (number / responses)
            month = (submitted + dt.timedelta(hours=7)).date().replace(day=1)
            rows.append((response_id, survey_id, version_id, unit_id, procedure_id, ("link", "kiosk", "api")[number % 3],
                         "vi", submitted, month, submitted, f"{number:064x}"[-64:]))
            for position, question_id in enumerate(scaled):
                value = values[(number + position * 3) % len(values)]
                answers.append((answer_id, response_id, question_id, survey_id, unit_id, procedure_id, month, value,
                                None, value >= 4))
                answer_id += 1
            response_id += 1
        writer.write("survey_responses", ("id", "survey_id", "version_id", "unit_id", "procedure_id", "channel",
                                          "locale", "submitted_at", "month", "recorded_at", "sender_hash"), rows)
        writer.write("survey_answers", ("id", "response_id", "question_id", "survey_id", "unit_id", "procedure_id",
                                        "month", "value", "text", "satisfied"), answers)
        writer.commit()
        progress(f"  survey answers {(response_id - first_response) * per_response:,} / "
                 f"{responses * per_response:,}")
    return {"survey_id": survey_id, "responses": responses, "answers": responses * per_response}
