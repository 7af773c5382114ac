"""Filing under load through a real gunicorn server: 20 concurrent clients, 200 items, 200 codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from feedback.items.models import Item, ItemEvent
from tests.helpers import ROOT, free_port, log_tail, wait_for_http


@pytest.fixture
def server(database_url, app, real_commits, tmp_path):
    """gunicorn with 2 worker processes of 4 threads each, on a free loopback port (other processes:
    the test's commits are real)."""
    port = free_port()
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": database_url, "FEEDBACK_SECRET_KEY": "load-test",
           "FEEDBACK_RATELIMIT_ENABLED": "false", "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false"}
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread",
         "--bind", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/api/v1/units", name="gunicorn", log=log_path, process=process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def post_item(base: str, number: int, key: str) -> tuple[int, dict]:
    body = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": f"Phản ánh số {number}",
            "body": f"Hồ sơ số {number} bị chậm so với phiếu hẹn, đề nghị kiểm tra và trả lời."}
    request = urllib.request.Request(base + "/api/v1/items", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_200_items_from_20_concurrent_clients_get_200_codes(server, staff, db, tmp_path):
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda n: post_item(server, n, f"load-{n}"), range(200)))
    statuses = [status for status, _ in results]
    assert statuses == [201] * 200, f"{Counter(statuses)}{log_tail(tmp_path / 'gunicorn.log')}"
    codes = {body["code"] for _, body in results}
    assert len(codes) == 200
    db.session.expire_all()
    stored = set(db.session.scalars(select(Item.code)))
    assert stored == codes
    assert db.session.scalar(select(func.count(ItemEvent.id)).where(ItemEvent.action == "filed")) == 200


def test_the_same_idempotency_key_sent_by_20_clients_at_once_files_one_item(server, staff, db, tmp_path):
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _n: post_item(server, 7, "same-key"), range(20)))
    statuses = [status for status, _ in results]
    assert statuses == [201] * 20, f"{Counter(statuses)}{log_tail(tmp_path / 'gunicorn.log')}"
    assert len({body["code"] for _, body in results}) == 1
    assert len({body["access_key"] for _, body in results}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Item.id))) == 1
