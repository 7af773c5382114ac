"""The migration history builds the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from feedback import create_app
from feedback.extensions import db as _db
from tests.helpers import base_config


def test_models_and_migrations_agree(app, db):
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database with nothing in it, of the same kind as the test database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade()
        tables = set(inspect(_db.engine).get_table_names())
        assert {"units", "users", "procedures", "api_tokens", "alembic_version"} <= tables
        downgrade(revision="base")
        assert set(inspect(_db.engine).get_table_names()) == {"alembic_version"}
        upgrade()
        with _db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), _db.metadata) == []
        _db.engine.dispose()


def test_existing_items_get_their_obligations(empty_database):
    """Upgraded from the schema before obligations: each item with a deadline gets the row of its
    current holding, with its explanation, its end and lateness, its extension and its notices; the
    outbox's messages about items say so by owner type and id."""
    import json

    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade(revision="8004a09e258a")
        basis = {"days": 10, "cause": "filed", "counted_from": "2026-10-30", "start_at": "2026-10-30T03:00:00+00:00",
                 "legal_basis": "Quy chế", "days_off": [["2026-10-31", "Thứ Bảy"]]}
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, kind, valid_from, created_at) VALUES "
                              "(1, 'P.STP', 'Sở Tư pháp', 'department', '2025-07-01', '2025-07-01 00:00:00')"))
            rows = [  # id, status, due, responded, closed
                (1, "in_progress", "2026-11-13 10:00:00", None, None),
                (2, "responded", "2026-11-13 10:00:00", "2026-11-16 02:00:00", None),
                (3, "closed", "2026-11-13 10:00:00", "2026-11-12 02:00:00", "2026-11-14 02:00:00"),
                (4, "rejected", "2026-11-13 10:00:00", None, "2026-11-03 02:00:00"),
                (5, "received", None, None, None),
            ]
            for item_id, status, due, responded, closed in rows:
                conn.execute(text(
                    "INSERT INTO items (id, code, kind, topic, channel, status, unit_id, title, body, publish, "
                    "received_at, created_at, due_at, deadline_days, deadline_basis, responded_at, closed_at, "
                    "access_key_hash, search_text) VALUES (:id, :code, 'complaint', 'other', 'web', :status, "
                    ":unit, 'Tiêu đề', 'Nội dung', false, '2026-10-30 03:00:00', '2026-10-30 03:00:00', :due, "
                    ":days, :basis, :responded, :closed, 'x', '')"),
                    {"id": item_id, "code": f"PA-26-TEST-000{item_id}", "status": status,
                     "unit": 1 if due else None, "due": due, "days": 10 if due else None,
                     "basis": json.dumps(basis if due else {}), "responded": responded, "closed": closed})
            conn.execute(text(
                "INSERT INTO item_events (item_id, at, actor_kind, action, reason, public, data) VALUES "
                "(1, '2026-11-10 02:00:00', 'staff', 'extend', 'Xác minh', true, :data)"),
                {"data": json.dumps({"days": 2, "due_before": "2026-11-11T10:00:00+00:00",
                                     "due_after": "2026-11-13T10:00:00+00:00"})})
            conn.execute(text(
                "INSERT INTO accountability_notices (item_id, kind, due_at, created_at) VALUES "
                "(1, 'due_soon_assignee', '2026-11-13 10:00:00', '2026-11-11 01:00:00'), "
                "(1, 'escalated', '2026-11-11 10:00:00', '2026-11-12 01:00:00')"))
            conn.execute(text(
                "INSERT INTO notify_outbox (key, channel, kind, recipient, subject, body, attachment_name, item_id, "
                "status, attempts, last_error, created_at) VALUES ('k1', 'sms', 'filed', '0912345678', '', 'Đã nhận', "
                "'', 1, 'sent', 1, '', '2026-10-30 03:00:00')"))
        upgrade()
        with _db.engine.connect() as conn:
            outbox = conn.execute(text("SELECT owner_type, owner_id, reference, link FROM notify_outbox")).one()
            got = conn.execute(text("SELECT owner_type, owner_id, kind, unit_id, status, due_at, days, late, "
                                    "ended_at, start_at FROM obligations ORDER BY owner_id")).all()
            changes = conn.execute(text("SELECT obligation_id, action, reason, past_due FROM obligation_changes")).all()
            notices = conn.execute(text("SELECT kind FROM obligation_notices ORDER BY kind")).scalars().all()
            stored_basis = conn.execute(text("SELECT basis FROM obligations WHERE owner_id = 1")).scalar_one()
        # The event written before the audit log existed heads its chain.
        from feedback import audit

        verdict = audit.verify()
        _db.session.remove()
        _db.engine.dispose()
    assert verdict.rows == 1 and verdict.broken is None
    due = dt.datetime(2026, 11, 13, 10)
    assert [(row.owner_type, row.owner_id, row.kind, row.unit_id, row.status, row.days) for row in got] == [
        ("item", 1, "answer", 1, "open", 10), ("item", 2, "answer", 1, "met", 10),
        ("item", 3, "answer", 1, "met", 10), ("item", 4, "answer", 1, "cancelled", 10)]
    assert all(_naive(row.due_at) == due and _naive(row.start_at) == dt.datetime(2026, 10, 30, 3) for row in got)
    assert [row.late for row in got] == [None, True, False, False]
    assert [_naive(row.ended_at) if row.ended_at else None for row in got] == [
        None, dt.datetime(2026, 11, 16, 2), dt.datetime(2026, 11, 12, 2), dt.datetime(2026, 11, 3, 2)]
    assert (json.loads(stored_basis) if isinstance(stored_basis, str) else stored_basis) == basis
    assert [(row.action, row.reason, bool(row.past_due)) for row in changes] == [("extended", "Xác minh", False)]
    assert notices == ["due_soon", "overdue"]
    # The outbox says what its messages were about without pointing at the items table.
    assert tuple(outbox) == ("item", 1, "PA-26-TEST-0001", "/staff/items/PA-26-TEST-0001")


def _naive(value) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def test_items_public_before_reviews_stay_public(empty_database):
    """Upgraded to reviews of the public version: every item already in the register counts as
    reviewed, with its published answer, by no one in particular; a draft staff had reviewed keeps its
    reviewed text; an item not yet in the register waits for a review."""
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade(revision="c5b742aca7c5")
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, kind, valid_from, created_at) VALUES "
                              "(1, 'P.STP', 'Sở Tư pháp', 'department', '2025-07-01', '2025-07-01 00:00:00')"))
            for item_id, status in ((1, "responded"), (2, "in_progress"), (3, "received"), (4, "in_progress")):
                conn.execute(text(
                    "INSERT INTO items (id, code, kind, topic, channel, status, unit_id, title, body, publish, "
                    "received_at, created_at, access_key_hash, search_text) VALUES (:id, :code, "
                    "'complaint', 'other', 'web', :status, 1, 'Tiêu đề', 'Nội dung', true, '2026-10-30 03:00:00', "
                    "'2026-10-30 03:00:00', 'x', '')"), {"id": item_id, "code": f"PA-26-TEST-000{item_id}",
                                                              "status": status})
                if item_id != 3:
                    conn.execute(text(
                        "INSERT INTO register_entries (item_id, code, kind, topic, status, received_at) VALUES "
                        "(:id, :code, 'complaint', 'other', :status, '2026-10-30 03:00:00')"),
                        {"id": item_id, "code": f"PA-26-TEST-000{item_id}", "status": status})
            conn.execute(text(
                "INSERT INTO responses (id, item_id, body, public_body, created_at, published_at, discarded) VALUES "
                "(1, 1, 'Trả lời', 'Trả lời', '2026-11-02 03:00:00', '2026-11-02 03:00:00', false), "
                "(2, 4, 'Dự thảo', 'Dự thảo', '2026-11-02 03:00:00', NULL, false)"))
            conn.execute(text(
                "INSERT INTO register_public_texts (item_id, title, answer, answer_response_id, edited_at) VALUES "
                "(4, 'Tiêu đề đã sửa', 'Dự thảo đã xem', 2, '2026-11-02 03:00:00')"))
        upgrade()
        with _db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT item_id, title, answer, answer_response_id, reviewed_at IS NOT NULL, reviewed_by_id, "
                "answer_reviewed_at IS NOT NULL FROM register_public_texts ORDER BY item_id")).all()
        _db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, None, None, 1, True, None, True),  # public, and its answer too
        (2, None, None, None, True, None, False),  # public; no answer yet
        (4, "Tiêu đề đã sửa", "Dự thảo đã xem", 2, True, None, False),  # the reviewed draft waits to be published
    ]
