"""Tick works in sets: the reminders, escalations and letters of apology of any number of items
cost the same number of database statements; the letters' PDFs are made by jobs after the tick's
commit, which then send them."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import event, select

from feedback import jobs
from feedback.auth.models import User
from feedback.extensions import db as _db
from feedback.items.services import Filing, file_item
from feedback.plugins.accountability.models import ApologyLetter, Notice
from feedback.pluginmanager import run_tick
from feedback.plugins.notify.models import OutboxMessage

from .conftest import BODY, TITLE, count, local


def file_many(clock, how_many: int, received, unit: str = "P.STP") -> list[int]:
    """``how_many`` complaints to ``unit``, received at ``received``, each with a filer to tell."""
    clock.set(received)
    admin = _db.session.scalar(select(User).where(User.email == "admin@example.vn"))
    ids = []
    for number in range(how_many):
        filing = Filing(kind="complaint", topic="procedure", unit=unit, title=TITLE, body=BODY,
                        name=f"Người nộp {number}", phone=f"09123456{number:02d}", email=f"nguoi{number}@example.vn",
                        consent=True, channel="in_person", received_at=received)
        ids.append(file_item(filing, actor=admin)[0].id)
    _db.session.commit()
    jobs.run_pending()  # the receipts and the heads' e-mails go out
    return ids


def statements_of_tick(clock, now) -> tuple[list[str], dict]:
    """The database statements one tick sends, and its summaries; then the jobs it queued run."""
    clock.set(now)
    sent = []

    def counted(_connection, _cursor, statement, *_args):
        sent.append(" ".join(statement.split())[:100])

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        results = dict(run_tick(now))
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    jobs.run_pending()
    return sent, results


def test_a_tick_costs_the_same_for_three_items_or_twelve(db, people, clock, app, tmp_path):
    app.config["MAIL_OUTBOX_FOLDER"] = str(tmp_path)
    # Three due Friday 13/11 (overdue on Wednesday 18/11) and three due Thursday 19/11 (due soon).
    file_many(clock, 3, local(2026, 10, 30, 10))
    file_many(clock, 3, local(2026, 11, 5, 10))
    first, results = statements_of_tick(clock, local(2026, 11, 18, 8))
    assert results["accountability"] == "3 reminders, 3 escalations, 3 apology letters"

    # Nine due Monday 21/12 (overdue on Wednesday 23/12) and nine due Friday 25/12 (due soon); the
    # three due on 19/11 are overdue by then too.
    file_many(clock, 9, local(2026, 12, 7, 10))
    file_many(clock, 9, local(2026, 12, 11, 10))
    second, results = statements_of_tick(clock, local(2026, 12, 23, 8))
    assert results["accountability"] == "9 reminders, 12 escalations, 12 apology letters"
    assert len(second) == len(first), (Counter(second) - Counter(first), Counter(first) - Counter(second))

    # All of it happened: notices, letters with their PDFs, and the messages of each.
    assert count(Notice) == 3 + 3 + 9 + 12
    letters = _db.session.scalars(select(ApologyLetter)).all()
    assert len(letters) == 15 and all(letter.pdf.startswith(b"%PDF") for letter in letters)
    assert sorted(letter.number for letter in letters) == list(range(1, 16))
    kinds = [row.kind for row in _db.session.scalars(select(OutboxMessage))]
    assert (kinds.count("reminder"), kinds.count("escalation"), kinds.count("apology")) == (12, 15, 30)


def test_escalations_climb_in_sets(db, sub_department, clock, app, tmp_path):
    """The tick that sends unanswered items one level higher costs the same for three items or twelve."""
    app.config["MAIL_OUTBOX_FOLDER"] = str(tmp_path)
    # Three due Friday 13/11: escalated to the department on Monday 16/11, to the province on 20/11.
    file_many(clock, 3, local(2026, 10, 30, 10), unit=sub_department)
    _statements, results = statements_of_tick(clock, local(2026, 11, 16, 8))
    assert results["accountability"] == "0 reminders, 3 escalations, 3 apology letters"
    first, results = statements_of_tick(clock, local(2026, 11, 20, 8))
    assert results["accountability"] == "0 reminders, 3 escalations, 0 apology letters"

    # Twelve due Monday 21/12: escalated on Wednesday 23/12, one level higher on Tuesday 29/12;
    # the first three are at the top by then, and stay there.
    file_many(clock, 12, local(2026, 12, 7, 10), unit=sub_department)
    _statements, results = statements_of_tick(clock, local(2026, 12, 23, 8))
    assert results["accountability"] == "0 reminders, 12 escalations, 12 apology letters"
    second, results = statements_of_tick(clock, local(2026, 12, 29, 8))
    assert results["accountability"] == "0 reminders, 12 escalations, 0 apology letters"
    assert len(second) == len(first), (Counter(second) - Counter(first), Counter(first) - Counter(second))
    levels = Counter(kind for kind, in _db.session.execute(select(Notice.kind)))
    assert (levels["escalated"], levels["escalated_2"], levels["escalated_3"]) == (15, 15, 0)


def test_a_letter_waits_for_its_job_and_a_lost_job_is_handed_over_again(db, people, clock, app, client, tmp_path):
    from flask import g

    from feedback.plugins.accountability import services
    from tests.helpers import login

    app.config["MAIL_OUTBOX_FOLDER"] = str(tmp_path)
    [item_id] = file_many(clock, 1, local(2026, 10, 30, 10))
    clock.set(local(2026, 11, 16, 8))
    assert services.tick(local(2026, 11, 16, 8)) == "0 reminders, 1 escalations, 1 apology letters"
    _db.session.commit()
    # The job that makes the PDF is lost (Redis down, a worker killed): the letter is numbered, no PDF yet.
    assert services.RENDER_LETTER_JOB in [job.path for job in g.pop("feedback_inline_jobs")]
    letter = _db.session.scalar(select(ApologyLetter))
    assert (letter.item_id, letter.number, letter.pdf) == (item_id, 1, None)
    login(client, "head@example.vn")
    response = client.get(f"/staff/letters/{letter.id}.pdf")
    assert (response.status_code, response.headers["Retry-After"]) == (503, "60")
    assert "Thư đang được chuẩn bị" in response.get_data(as_text=True)

    # Within a job's time-out, tick leaves it to the job; after it, tick hands it over again.
    services.tick(local(2026, 11, 16, 8, 0) + dt.timedelta(seconds=app.config["JOB_TIMEOUT"] - 1))
    _db.session.commit()
    assert services.RENDER_LETTER_JOB not in [job.path for job in g.pop("feedback_inline_jobs", [])]
    services.tick(local(2026, 11, 16, 8, 0) + dt.timedelta(seconds=app.config["JOB_TIMEOUT"] + 1))
    _db.session.commit()
    assert jobs.run_pending() >= 1
    _db.session.expire_all()
    assert _db.session.get(ApologyLetter, letter.id).pdf.startswith(b"%PDF")
    response = client.get(f"/staff/letters/{letter.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    # Made once, sent once (by SMS and e-mail, the PDF attached), however often the job runs.
    from feedback.plugins.accountability.jobs import render_letter

    assert render_letter(letter.id) == "nothing to do"
    apology = [row for row in _db.session.scalars(select(OutboxMessage)) if row.kind == "apology"]
    assert [row.channel for row in apology] == ["sms", "email"]
    assert apology[1].attachment == _db.session.get(ApologyLetter, letter.id).pdf
