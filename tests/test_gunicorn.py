"""Through a real gunicorn server: filing under load (every filing stored once, with its own code,
no 5xx), and what hostile uploads cost a worker in memory."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback.items.models import Attachment, Item, ItemEvent
from tests.helpers import descendants, form_data, free_port, log_tail, multipart, odt_bomb, running, wait_until


@dataclass
class Server:
    base: str
    pid: int
    log: Path

    def workers(self) -> list[int]:
        return descendants(self.pid)


@pytest.fixture
def gunicorn(database_url, app, real_commits, tmp_path):
    """Start gunicorn (gthread workers) on a free loopback port: ``start(workers, threads, **settings)``
    with FEEDBACK_* settings; other processes see the test's commits."""
    with contextlib.ExitStack() as stack:
        def start(workers: int = 2, threads: int = 4, **settings) -> Server:
            port = free_port()
            env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": database_url, "FEEDBACK_SECRET_KEY": "load-test",
                   "FEEDBACK_RATELIMIT_ENABLED": "false", "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false",
                   **{f"FEEDBACK_{name}": str(value) for name, value in settings.items()}}
            base, log = f"http://127.0.0.1:{port}", tmp_path / f"gunicorn-{port}.log"
            process = stack.enter_context(running(
                [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
                 "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
                log, name="gunicorn", env=env, url=base + "/api/v1/units"))
            server = Server(base, process.pid, log)
            wait_until(lambda: len(server.workers()) >= workers, what=f"{workers} gunicorn workers", log=log)
            return server
        yield start


@pytest.fixture
def server(gunicorn) -> Server:
    """gunicorn with 2 worker processes of 4 threads each."""
    return gunicorn(workers=2, threads=4)


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


def test_concurrent_filings_to_4_workers_are_all_stored_with_their_own_codes(gunicorn, backend, staff, db, capsys):
    """50 filings at once on SQLite (one writer at a time), 200 on PostgreSQL, to 4 workers of 4
    threads: every one answered 201, stored once, with a code of its own; no 5xx. A database that
    says "try again" is tried again (feedback.transaction), so "database is locked" never reaches
    a filer under this load."""
    server = gunicorn(workers=4, threads=4)
    filings = 50 if backend == "sqlite" else 200
    with ThreadPoolExecutor(max_workers=filings) as pool:
        results = list(pool.map(lambda n: post_item(server.base, n, f"load-{n}"), range(filings)))
    statuses = Counter(status for status, _ in results)
    db.session.expire_all()
    stored = set(db.session.scalars(select(Item.code)))
    with capsys.disabled():
        print(f"\n{backend}: {filings} concurrent filings to 4 workers: answers {dict(statuses)}, "
              f"{len(stored)} stored, {filings - len(stored)} lost")
    assert statuses == {201: filings}, f"{statuses}{log_tail(server.log)}"
    codes = {body["code"] for _, body in results}
    assert len(codes) == filings
    assert stored == codes
    assert db.session.scalar(select(func.count(ItemEvent.id)).where(ItemEvent.action == "filed")) == filings


def test_the_same_idempotency_key_sent_by_20_clients_at_once_files_one_item(server, staff, db):
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _n: post_item(server.base, 7, "same-key"), range(20)))
    statuses = [status for status, _ in results]
    assert statuses == [201] * 20, f"{Counter(statuses)}{log_tail(server.log)}"
    assert len({body["code"] for _, body in results}) == 1
    assert len({body["access_key"] for _, body in results}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Item.id))) == 1


# --- hostile uploads ------------------------------------------------------------------------------


def _peak_rss_kib(pid: int) -> int:
    """The largest resident memory the process has had (VmHWM), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))


def _file_with(base: str, name: str, content: bytes) -> int:
    """File on the public web form with one attachment; the status of the answer (the receipt's after
    the redirect of a filing that went through)."""
    with urllib.request.urlopen(base + "/file", timeout=60) as page:
        token = re.search(r'name="submission" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
    body, content_type = multipart({**form_data(), "submission": token}, [("attachments", name, content)])
    request = urllib.request.Request(base + "/file", data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def test_a_zip_bomb_costs_a_worker_a_few_megabytes(gunicorn, staff, db, capsys):
    """The 1 MB .odt that inflates to 1 GiB, sent 8 times by 4 clients at once to 2 workers (and the
    same gigabyte behind a directory that says 39 bytes): refused, and no worker's peak memory grows
    by more than a few megabytes."""
    server = gunicorn(workers=2, threads=4, WTF_CSRF_ENABLED="false")
    for pid in server.workers():  # each worker has answered once: its modules and catalogues are loaded
        _file_with(server.base, "don.pdf", b"not a pdf")
    before = {pid: _peak_rss_kib(pid) for pid in server.workers()}
    honest, lying = odt_bomb(1024), odt_bomb(1024, declared=39)
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda n: _file_with(server.base, f"don{n}.odt", honest if n % 2 else lying),
                                 range(8)))
    after = {pid: _peak_rss_kib(pid) for pid in server.workers()}
    assert statuses == [422] * 8, f"{Counter(statuses)}{log_tail(server.log)}"
    growth = max(after[pid] - before[pid] for pid in before)
    with capsys.disabled():
        print(f"\npeak RSS of a worker: {max(after.values()) / 1024:.1f} MiB, "
              f"grown by at most {growth / 1024:.1f} MiB while refusing 8 zip bombs of 1 MB (1 GiB inflated)")
    assert growth < 32 * 1024, f"a worker's peak memory grew by {growth} KiB"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Item.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_the_largest_image_allowed_costs_a_worker_one_decoded_image(gunicorn, staff, db, capsys):
    """The most an accepted upload costs: 4 photos at the pixel limit (25 million RGBA pixels) sent
    at once to one worker of 4 threads, which decodes one at a time."""
    import io

    from PIL import Image

    server = gunicorn(workers=1, threads=4, WTF_CSRF_ENABLED="false")
    _file_with(server.base, "don.pdf", b"not a pdf")
    [pid] = server.workers()
    before = _peak_rss_kib(pid)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.new("RGBA", (5000, 5000), (10, 120, 200, 255)).save(buffer, "PNG", exif=exif.tobytes())
    photo = buffer.getvalue()
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda n: _file_with(server.base, f"anh{n}.png", photo), range(4)))
    growth = _peak_rss_kib(pid) - before
    assert statuses == [200] * 4, f"{Counter(statuses)}{log_tail(server.log)}"
    with capsys.disabled():
        print(f"\npeak RSS of a worker: {_peak_rss_kib(pid) / 1024:.1f} MiB, grown by {growth / 1024:.1f} MiB "
              f"for 4 concurrent {len(photo) // 1024} KiB PNGs of 25 million RGBA pixels")
    # One image's pixels (100 MB), the PNG written again, and what the threads' memory arenas keep.
    assert growth < 256 * 1024, f"a worker's peak memory grew by {growth / 1024:.0f} MiB"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attachment.id))) == 4
