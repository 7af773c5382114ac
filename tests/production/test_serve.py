"""`scripts/serve`, the README's first command: one command that migrates, loads the demo and
serves the embedded default with gunicorn (the production configuration), links in messages
pointing at its port, static files under fingerprinted names, an access log without query
strings, and graceful restarts."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.helpers import ROOT, descendants, fetch, free_port, running, wait_until

pytestmark = pytest.mark.slow


def workers_of(master: int) -> set[int]:
    return set(descendants(master))


def test_serve_runs_the_demo_on_gunicorn(tmp_path: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK_")}
    env.update({"PORT": str(port), "FEEDBACK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'feedback.db'}",
                "FEEDBACK_MAIL_OUTBOX_FOLDER": str(tmp_path / "mail"), "FEEDBACK_WEB_WORKERS": "2"})
    log = tmp_path / "serve.log"
    with running([str(ROOT / "scripts/serve")], log, name="scripts/serve", env=env, url=base + "/",
                 timeout=600) as serve:
        output = log.read_text()
        assert "Running upgrade" in output and "Demo province" in output
        assert "Starting gunicorn" in output

        # The demo, in Vietnamese, with the stylesheet under its fingerprinted name.
        status, _headers, body = fetch(base + "/units")
        assert status == 200 and "Quảng Ninh" in body.decode()
        stylesheet = re.search(r'href="(/static/feedback\.[0-9a-f]{12}\.css)"', body.decode())
        assert stylesheet, "the stylesheet's address carries its digest"
        status, headers, css = fetch(base + stylesheet[1])
        assert status == 200 and css == (ROOT / "feedback/static/feedback.css").read_bytes()
        assert "max-age=31536000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]

        # A citizen files through the API; the receipt's link points at this server's port.
        _status, _headers, units = fetch(base + "/api/v1/units")
        unit = json.loads(units)["items"][0]["code"]
        item = {"kind": "complaint", "topic": "procedure", "unit": unit, "title": "Hồ sơ trễ hẹn",
                "body": "Hồ sơ đất đai của tôi trễ hẹn hai tuần, đề nghị kiểm tra và trả lời.", "consent": True,
                "contact": {"name": "Trần Thị Bình", "email": "binh@example.vn"}}
        status, _headers, answer = fetch(base + "/api/v1/items", data=json.dumps(item).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "Idempotency-Key": "serve-1"})
        assert status == 201, answer
        code = json.loads(answer)["code"]
        def receipts():
            mails = [message_from_bytes(path.read_bytes(), policy=policy.default)
                     for path in (tmp_path / "mail").glob("*.eml")]
            return [mail for mail in mails if mail["To"] == "binh@example.vn"]

        for mail in wait_until(receipts, what="the filer's receipt", timeout=120):  # the receipt, and the assignment
            assert f"{base}/t/{code}" in mail.get_body(("plain",)).get_content()

        # The access log keeps the path, not the query string (a search may hold a name).
        fetch(base + "/register?q=Tr%E1%BA%A7n+Th%E1%BB%8B+B%C3%ACnh")
        wait_until(lambda: '"GET /register HTTP/1.1" 200' in log.read_text(), what="the access log line", timeout=60)
        assert "q=" not in log.read_text() and "Tr%E1" not in log.read_text()

        # A graceful restart (systemctl reload sends HUP): new workers, no request lost.
        before = workers_of(serve.pid)
        assert len(before) == 2
        os.kill(serve.pid, signal.SIGHUP)
        deadline = time.monotonic() + 120
        statuses = []
        while time.monotonic() < deadline:
            statuses.append(fetch(base + "/")[0])
            now = workers_of(serve.pid)
            if len(now) == 2 and not now & before:
                break
            time.sleep(0.2)
        assert not workers_of(serve.pid) & before, "the old workers were replaced"
        assert set(statuses) == {200}
        assert fetch(base + "/")[0] == 200

        os.kill(serve.pid, signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
    assert "Shutting down: Master" in log.read_text()
