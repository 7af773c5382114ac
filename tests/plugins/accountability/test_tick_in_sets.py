"""Tick works in sets: the reminders, escalations and letters of apology of any number of items
cost the same number of database statements; the letters' PDFs are made by jobs after the tick's
commit, which then send them."""

from __future__ import annotations

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


def file_many(clock, how_many: int, received) -> list[int]:
    """``how_many`` complaints to the department, received at ``received``, each with a filer to tell."""
    clock.set(received)
    admin = _db.session.scalar(select(User).where(User.email == "admin@example.vn"))
    ids = []
    for number in range(how_many):
        filing = Filing(kind="complaint", topic="procedure", unit="P.STP", title=TITLE, body=BODY,
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
