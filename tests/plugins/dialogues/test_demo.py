"""The demo province has held sessions with published minutes (their PDFs made), a coming session
with questions, and commitments both done and overdue; loading it again adds nothing."""

from __future__ import annotations

from sqlalchemy import select

from feedback.plugins.dialogues.models import Commitment, DialogueSession, Minutes
from feedback.timeutil import utcnow


def test_the_demo_province_holds_dialogues(runner, db, client):
    from feedback.jobs import run_pending

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    # The test's app context is the command's: its jobs run when that context ends, or here.
    assert run_pending() >= 2
    sessions = db.session.scalars(select(DialogueSession).order_by(DialogueSession.starts_at)).all()
    held = [s for s in sessions if s.status == "held"]
    coming = [s for s in sessions if s.status == "announced" and s.starts_at > utcnow()]
    assert len(held) == 2 and len(coming) == 1
    for session in held:
        minutes = session.published_minutes
        assert minutes is not None and minutes.pdf and minutes.pdf.startswith(b"%PDF")
        response = client.get(f"/api/v1/dialogues/{session.id}/minutes.pdf")
        assert response.status_code == 200 and response.data == minutes.pdf
    assert len(client.get(f"/api/v1/dialogues/{coming[0].id}").json["questions"]) == 2
    commitments = db.session.scalars(select(Commitment)).all()
    assert any(c.status == "done" and c.late is False for c in commitments)
    assert any(c.status == "done" and c.late is True for c in commitments)
    assert any(c.is_overdue() for c in commitments)
    overview = client.get("/dialogues/overview")
    assert overview.status_code == 200 and 'id="late"' in overview.text and 'id="late-minutes"' in overview.text

    before = db.session.scalar(select(Minutes.id).order_by(Minutes.id.desc()).limit(1))
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(select(Minutes.id).order_by(Minutes.id.desc()).limit(1)) == before
