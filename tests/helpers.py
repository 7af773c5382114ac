"""What the tests and the benchmarks share: test settings, free loopback ports, readiness checks,
a throwaway PostgreSQL, signing in, filing and acting through the API, and a frozen clock.

Import from here, never from a conftest: fixtures live in conftest files, helpers here. This module
imports only the standard library at load time, so the benchmarks can use it without pytest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).parent.parent

# --- settings ----------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


def base_config(url: str) -> dict:
    """The settings of every test app: the given database, no CSRF, no rate limits, fast hashes."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "LOAD_ENTRY_POINT_PLUGINS": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


# --- ports and readiness -------------------------------------------------------------------------

# A loaded machine (CI with the other core busy) may take a long time to start a server; a check that
# gives up early fails the suite for nothing, one that waits on a dead process only wastes time.
READY_TIMEOUT = 120.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NotReady(Exception):
    """The server answered, but is still starting (e.g. HTTP 503, Redis loading): try again."""


def log_tail(log: str | os.PathLike | None, lines: int = 40) -> str:
    """The last ``lines`` of a server's log, with its path, to add to a failure message."""
    if log is None:
        return ""
    try:
        text = Path(log).read_text(errors="replace")
    except OSError as error:
        return f"\n(its log {log} cannot be read: {error})"
    return f"\n--- last lines of {log} ---\n" + "\n".join(text.splitlines()[-lines:])


def wait_until_ready(check, *, name: str, log=None, process=None, timeout: float = READY_TIMEOUT,
                     interval: float = 0.2):
    """Call ``check()`` until it returns without raising; return what it returns.

    Every network error (refused, reset, timed out, cut short: any ``OSError`` or
    ``http.client.HTTPException``) and ``NotReady`` mean "not yet". Gives up after ``timeout``
    seconds, or at once when ``process`` (a ``subprocess.Popen``) has exited, with a message that
    names the server, the last error and the end of its log.
    """
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with status {process.returncode} before it was ready"
                               f" (last error: {last!r}){log_tail(log)}")
        try:
            return check()
        except (OSError, http.client.HTTPException, NotReady) as error:
            last = error
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{name} was not ready after {timeout:.0f} s (last error: {last!r})"
                               + (f"; its log: {log}" if log else "") + log_tail(log))
        time.sleep(interval)


def wait_for_http(url: str, *, name: str, log=None, process=None, timeout: float = READY_TIMEOUT) -> None:
    """Wait until ``url`` answers a GET with a 2xx or 3xx status; 5xx means still starting.

    A 4xx answer stops at once: the server is up but the check asks the wrong thing.
    """

    def check():
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise NotReady(f"HTTP {error.code}") from None
            raise RuntimeError(f"{name} answered {url} with HTTP {error.code}{log_tail(log)}") from None

    wait_until_ready(check, name=name, log=log, process=process, timeout=timeout)


def wait_for_redis(port: int, *, name: str = "redis-server", log=None, process=None,
                   timeout: float = READY_TIMEOUT) -> None:
    """Wait until Redis on 127.0.0.1:``port`` answers PING with PONG (not LOADING or an error)."""

    def check():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
        if not answer.startswith(b"+PONG"):
            raise NotReady(answer.decode(errors="replace").strip() or "no answer")

    wait_until_ready(check, name=name, log=log, process=process, timeout=timeout)


def wait_for_smtp(port: int, *, name: str = "the SMTP server", timeout: float = READY_TIMEOUT) -> None:
    """Wait until an SMTP server on 127.0.0.1:``port`` greets with 220."""

    def check():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            greeting = sock.recv(512)
            sock.sendall(b"QUIT\r\n")
        if not greeting.startswith(b"220"):
            raise NotReady(greeting.decode(errors="replace").strip() or "no greeting")

    wait_until_ready(check, name=name, timeout=timeout)


def start_smtp_server(handler, *, name: str = "the SMTP server"):
    """An aiosmtpd server for ``handler`` on a free loopback port, started and greeting; stop() it."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=READY_TIMEOUT)
    controller.start()
    try:
        wait_for_smtp(controller.port, name=name)
    except BaseException:
        controller.stop()
        raise
    return controller


def wait_until(predicate, *, what: str, timeout: float = READY_TIMEOUT, log=None, interval: float = 0.1):
    """Poll ``predicate`` until it returns something true and return it; fail after ``timeout``
    seconds, naming ``what`` was awaited and showing ``log`` (a path, or a callable giving text)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = log() if callable(log) else log_tail(log)
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}" + (f"\n{text}" if text else ""))
        time.sleep(interval)


# --- a throwaway PostgreSQL ------------------------------------------------------------------------


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} not found: install PostgreSQL (scripts/test does it with apt-get)")


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on a free loopback port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="feedback-pg-"))
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args):
        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        subprocess.run(args, check=True, capture_output=True, timeout=300, cwd=self.dir, **kwargs)

    def start(self) -> str:
        data = self.dir / "data"
        self._run(pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w",
                  "-t", str(int(READY_TIMEOUT)), "start")
        self._run(pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "feedback_test")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/feedback_test"

    def stop(self):
        try:
            self._run(pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- signing in ------------------------------------------------------------------------------------


class Auth:
    """Signing in and out on the web form of one test client (the ``auth`` fixture)."""

    def __init__(self, client):
        self.client = client

    def login(self, email="admin@example.vn", password=PASSWORD):
        """Post the sign-in form; the answer is returned, whatever it is."""
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


def login(client, email: str = "admin@example.vn", password: str = PASSWORD):
    """Sign in on the web form; the answer must be the redirect of a successful sign-in."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def token_for(client, email: str = "admin@example.vn", password: str = PASSWORD) -> str:
    """An API bearer token for ``email``."""
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def bearer(client, email: str = "admin@example.vn") -> dict:
    """The Authorization header of an API request made as ``email``."""
    return {"Authorization": f"Bearer {token_for(client, email)}"}


# --- items through the API and the web form -----------------------------------------------------------

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.timezone.utc

BODY = "Hồ sơ đăng ký khai sinh của con tôi nộp tại bộ phận một cửa đã quá hạn ba tuần mà chưa có kết quả."
TITLE = "Hồ sơ khai sinh bị trễ hạn"
ANSWER = "Đơn vị đã kiểm tra hồ sơ và trả kết quả cho công dân; xin cảm ơn ông/bà đã phản ánh."


def local(year, month, day, hour=10, minute=0) -> dt.datetime:
    """An aware datetime in Asia/Ho_Chi_Minh."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def parse(value: str) -> dt.datetime:
    """A datetime from the API, as an aware datetime."""
    return dt.datetime.fromisoformat(value)


def file_item(client, headers=None, *, received_at: dt.datetime | None = None, expect: int = 201, **fields) -> dict:
    """File through POST /api/v1/items (staff entry when headers carry a token)."""
    body = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY}
    body.update(fields)
    if received_at is not None:
        body["received_at"] = received_at.isoformat()
        body.setdefault("channel", "in_person")
    response = client.post("/api/v1/items", json=body, headers=headers or {})
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()


def act(client, headers, code: str, action: str, expect: int = 200, **fields) -> dict:
    """Move an item through POST /api/v1/items/CODE/transitions."""
    response = client.post(f"/api/v1/items/{code}/transitions", json={"action": action, **fields}, headers=headers)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()


def review_public_version(client, code: str, email: str = "head@example.vn", *, publish: bool = False,
                          **texts) -> None:
    """Confirm on the review screen, signed in as ``email``, the public version of the item's title,
    text and answer: ``texts`` as given, the automatic masked version where left out; ``publish``
    publishes the drafted answer in the same step. A browser of its own: ``client`` stays as it was."""
    browser = client.application.test_client()
    login(browser, email)
    data = {"title": "", "body": "", "answer": "", **texts, "publish": "1" if publish else "0"}
    response = browser.post(f"/staff/register/{code}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def item(code: str):
    """The item with ``code``, read afresh (inside an app context)."""
    from sqlalchemy import select

    from feedback.extensions import db
    from feedback.items.models import Item

    db.session.expire_all()
    return db.session.scalar(select(Item).where(Item.code == code))


def count(model, *where) -> int:
    """How many rows of ``model`` match ``where`` (inside an app context)."""
    from sqlalchemy import func, select

    from feedback.extensions import db

    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return db.session.scalar(query)


def user_id(email: str) -> int:
    from sqlalchemy import select

    from feedback.auth.models import User
    from feedback.extensions import db

    return db.session.scalar(select(User.id).where(User.email == email))


def submission_token(client, url: str = "/file") -> str:
    """The one-time token of the public filing form at ``url``."""
    import re

    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    found = re.search(r'name="submission" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the filing form carries a one-time submission token"
    return found.group(1)


FORM_BODY = "Hồ sơ đăng ký khai sinh của con tôi nộp ngày 3/3 đã quá hạn ba tuần mà chưa có kết quả."


def form_data(**overrides) -> dict:
    """What the public filing form sends (without the one-time token)."""
    data = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "procedure": "", "title": TITLE,
            "body": FORM_BODY, "name": "", "phone": "", "email": "", "address": "", "website": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_form(client, url: str = "/file", files=(), token: str | None = None, **overrides):
    """File through the public web form at ``url``, with ``files`` as (name, bytes) attachments."""
    import io

    data = form_data(**overrides)
    data["submission"] = token or submission_token(client, url)
    if files:
        # Encoded here: werkzeug's test client spools a body over 500 KB to a file it never closes.
        body, content_type = multipart(data, [("attachments", name, content) for name, content in files])
        return client.post(url, data=body, content_type=content_type)
    return client.post(url, data=data, content_type="multipart/form-data")


def multipart(fields: dict, files=()) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields`` and ``files`` (field, file name, bytes), and its type."""
    import uuid

    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, content in files:
        quoted = filename.replace('"', "%22")
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --- a frozen clock ------------------------------------------------------------------------------------

# Modules that imported utcnow by name; feedback.timeutil itself is patched too, which moves
# local_today() (delegations, units' validity, the inbox) and run_tick()'s default `now`.
CLOCK_MODULES = (
    "feedback.timeutil",
    "feedback.items.services",
    "feedback.items.models",
    "feedback.plugins.accountability.stats",
    "feedback.plugins.accountability.views",
)


class Clock:
    """The application's "now", frozen where the test puts it, in every module of ``modules``."""

    def __init__(self, monkeypatch, modules=CLOCK_MODULES):
        self.now = dt.datetime.now(UTC)
        for module in modules:
            monkeypatch.setattr(f"{module}.utcnow", self)

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, when: dt.datetime) -> dt.datetime:
        self.now = when.astimezone(UTC)
        return self.now


# --- real components: Redis, an SMTP handler, an SMS gateway, process trees ---------------------


class RedisServer:
    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        log = self.folder / "redis.log"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(log)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_redis(self.port, log=log, process=self.process)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


class SmtpHandler:
    """Keeps every message; delivers each Message-ID once; can refuse for a while."""

    def __init__(self):
        self.received: list = []
        self.delivered: Counter = Counter()
        self.refuse = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            message = message_from_bytes(envelope.content)
            key = message["Message-ID"]
            self.received.append(message)
            if self.delivered[key] == 0:
                self.delivered[key] = 1
        return "250 OK"


class Gateway:
    """An SMS gateway that honours Idempotency-Key; it can fail or stall on demand."""

    def __init__(self):
        self.requests: Counter = Counter()
        self.delivered: Counter = Counter()
        self.texts: dict = {}
        self.fail = 0
        self.stall_first = 0.0
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with gateway.lock:
                    gateway.requests[key] += 1
                    failing = gateway.fail > 0
                    if failing:
                        gateway.fail -= 1
                    else:
                        # Delivered on receipt: a client that dies now never hears of it.
                        gateway.delivered[key] = 1
                        gateway.texts[key] = (body["to"], body["text"])
                    stall, gateway.stall_first = gateway.stall_first, 0.0
                if failing:
                    self.send_response(503)
                    self.end_headers()
                    return
                time.sleep(stall)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "accepted"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


# --- files of each kind ------------------------------------------------------------------------

PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\n"
       b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
# One red pixel, as Pillow writes it (an image attachment is stored as Pillow writes it again).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")



def zip_archive(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive written by hand from (name, raw deflate stream, declared size, CRC-32) entries:
    the sizes it declares are whatever the caller says, as a hostile archive's are."""
    import struct

    local, central = b"", b""
    for name, stream, size, crc in entries:
        encoded = name.encode()
        header = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0x21, crc, len(stream), size, len(encoded), 0)
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + header + struct.pack("<HHHII", 0, 0, 0, 0, len(local))
                    + encoded)
        local += b"PK\x03\x04" + header + encoded + stream
    return local + central + b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(central),
                                                          len(local), 0)


def deflated_zeros(megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``megabytes`` MiB of zero bytes (about 1 KB a MiB) and its CRC-32,
    built from one flushed block repeated, so that a gigabyte takes a moment, not a minute."""
    import zlib

    zeros = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    return block * megabytes + compressor.flush(zlib.Z_FINISH), crc


def odt_bomb(megabytes: int = 1024, declared: int | None = None) -> bytes:
    """An .odt whose "mimetype" entry inflates to ``megabytes`` MiB of zeros (1 GiB from about 1 MB),
    declaring its true size, or ``declared`` bytes when it lies."""
    stream, crc = deflated_zeros(megabytes)
    mimetype = b"application/vnd.oasis.opendocument.text"
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    small = compressor.compress(mimetype) + compressor.flush()
    return zip_archive([("mimetype", stream, megabytes << 20 if declared is None else declared, crc),
                        ("content.xml", small, len(mimetype), zlib.crc32(mimetype))])

# --- processes started as an operator would --------------------------------------------------------


def fetch(url: str, headers: dict | None = None, data: bytes | None = None, method: str | None = None,
          timeout: float = 60):
    """(status, headers, body) of one request over the network; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@contextlib.contextmanager
def running(command: list[str], log: Path, *, name: str, cwd: Path = ROOT, env: dict | None = None,
            url: str | None = None, timeout: float = READY_TIMEOUT):
    """Run ``command`` in a process group of its own, its output in ``log``, until the block ends
    (SIGTERM to the group, SIGKILL if it lingers); with ``url``, wait until it answers first."""
    with Path(log).open("w") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            if url:
                wait_for_http(url, name=name, log=log, process=process, timeout=timeout)
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)


# --- surveys ---------------------------------------------------------------------------------------------


def survey_questions(survey_id: int, version: str = "published") -> dict:
    """name → question of a survey's published (or ``"draft"``) version (inside an app context)."""
    from feedback.extensions import db
    from feedback.surveys.models import Survey

    survey = db.session.get(Survey, survey_id)
    return {question.name: question for question in getattr(survey, version).ordered_questions()}


def survey_answers(survey_id: int, value: int = 5, form: bool = False, **by_name) -> dict:
    """Answers to every required question that shows unconditionally (``value`` on each), keyed
    by question id as the API wants them, or as the web form's fields ``q<id>`` (``form=True``).
    ``by_name`` sets other answers by question name; None leaves that question out."""
    answers = {}
    for name, question in survey_questions(survey_id).items():
        if name in by_name:
            if by_name[name] is not None:
                answers[str(question.id)] = by_name[name]
        elif question.required and not question.conditions:
            answers[str(question.id)] = value
    if form:
        return {f"q{key}": [str(each) for each in (value if isinstance(value, list) else [value])]
                for key, value in answers.items()}
    return answers


# --- dialogue sessions --------------------------------------------------------------------------------

# A Wednesday with no holiday near it, and the Monday two weeks and a half before it, when it is planned.
DIALOGUE_DAY = dt.date(2027, 3, 10)
PLANNED_AT = dt.datetime(2027, 2, 22, 9, 0, tzinfo=LOCAL)


def plan_dialogue(unit: str = "P.STP", head: str = "head@example.vn", *, day: dt.date = DIALOGUE_DAY,
                  now: dt.datetime = PLANNED_AT, announce: bool = True, **fields):
    """A session of ``unit`` on ``day`` from 08:00 to 11:00, planned (and announced) by its head at ``now``
    through the services (inside an app context)."""
    from sqlalchemy import select

    from feedback.auth.models import User
    from feedback.extensions import db
    from feedback.plugins.dialogues import services

    actor = db.session.scalar(select(User).where(User.email == head))
    plan = services.Plan(unit=unit, day=day, start=dt.time(8, 0), end=dt.time(11, 0),
                         place=fields.pop("place", "Hội trường tầng 3, Sở Tư pháp"), **fields)
    session = services.plan_session(plan, actor, now=now)
    if announce:
        services.announce(session, actor, now=now)
    return session


def hold_dialogue(session, head: str = "head@example.vn", *, questions: int = 3, closing=dt.time(11, 30),
                  commitments=(), answered: bool = True):
    """Questions sent the day before, answered on the day; commitments (text, unit, days) made; the
    session recorded as held at noon. Returns the first draft of the minutes."""
    from sqlalchemy import select

    from feedback.auth.models import User
    from feedback.extensions import db
    from feedback.plugins.dialogues import services

    actor = db.session.scalar(select(User).where(User.email == head))
    day = session.starts_at.astimezone(LOCAL).date()
    before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(15, 0), tzinfo=LOCAL)
    for number in range(1, questions + 1):
        services.ask(session, title=f"Câu hỏi số {number} về thủ tục đăng ký",
                     body=f"Nội dung câu hỏi số {number}: vì sao hồ sơ chứng thực phải nộp bản sao có công chứng?",
                     now=before)
    during = dt.datetime.combine(day, dt.time(10, 0), tzinfo=LOCAL)
    if answered:
        for question in session.questions:
            services.answer(question, f"Trả lời câu hỏi số {question.number}: đơn vị tiếp thu và hướng dẫn cụ thể.",
                            "Nguyễn Văn Trưởng", actor, now=during)
    for text, unit, days in commitments:
        services.add_commitment(session, text=text, unit=unit, days=days, actor=actor, now=during)
    return services.mark_held(session, closing, actor, now=dt.datetime.combine(day, dt.time(12, 0), tzinfo=LOCAL))


# --- PDFs and images -------------------------------------------------------------------------------


def images_in(pdf: bytes) -> int:
    """How many images the PDF draws (in its pages and the forms they use)."""
    def count(resources) -> int:
        found = 0
        objects = resources.get("/XObject") if resources else None
        for value in (objects.get_object().values() if objects else ()):
            value = value.get_object()
            if value.get("/Subtype") == "/Image":
                found += 1
            elif value.get("/Subtype") == "/Form":
                found += count(value.get("/Resources"))
        return found
    import io

    from pypdf import PdfReader

    return sum(count(page["/Resources"]) for page in PdfReader(io.BytesIO(pdf)).pages)


def png(width: int = 4, height: int = 4) -> bytes:
    """A small red PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def top_margin_text(pdf: bytes) -> list[str]:
    """What each page prints in its top margin (above the 20 mm margin of the layout)."""
    import io

    from pypdf import PdfReader

    result = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found = []

        def visit(text, cm, tm, _font, _size, found=found, height=float(page.mediabox.height)):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # where the text lands on the page (tm, then cm)
            if text.strip() and y > height - 20 / 25.4 * 72:
                found.append(text.strip())

        page.extract_text(visitor_text=visit)
        result.append(" ".join(found))
    return result
