"""The benchmark suite: a province seeded in bulk, our pages under load through a real gunicorn on
loopback, measured with wrk, as ratios to a minimal Flask app of ours (bench/ceiling.py) measured in
the same run, and the minutes PDF of a 40-question dialogue. Run it through ``bench/run``.

Every wait is bounded: each wrk run lasts ``--duration`` seconds, every subprocess has a time-out,
and readiness checks give up with gunicorn's log. Nothing here asserts a speed: it prints figures
against the targets (bench/README.md) and exits non-zero only when something failed (an error
answer, a process that did not start), so that the test suite can run it at the tiny scale.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from seed import RARE, SCALES, seed  # noqa: E402 - beside this script
from tests.helpers import free_port, wait_for_http  # noqa: E402 - the suite's port and readiness helpers

SECRET = "bench-secret"
STAFF = ("admin@demo.gov.vn", "demo-password")
UNIT = "QN.STP"
# Targets (bench/README.md): the share of the ceiling's throughput, and p95 bounds in ms.
RATIO_TARGET = 0.5
LUA = r"""
local tokens, index, step = nil, 0, 1
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("number", counter)
end
function init(args)
  local file = os.getenv("BENCH_BODY")
  if file then
    local handle = io.open(file, "r")
    wrk.body = handle:read("*a")
    handle:close()
  end
  wrk.method = os.getenv("BENCH_METHOD") or "GET"
  if os.getenv("BENCH_CONTENT_TYPE") then wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") end
  if os.getenv("BENCH_COOKIE") then wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") end
  local token_file = os.getenv("BENCH_TOKENS")
  if token_file then
    tokens = {}
    for line in io.lines(token_file) do tokens[#tokens + 1] = line end
    index, step = number or 1, tonumber(os.getenv("BENCH_THREADS") or "1")
  end
end
function request()
  if tokens then
    -- A fresh one-time submission token for every filing: each POST files a new item.
    local body = wrk.body:gsub("TOKEN", tokens[index])
    index = index + step
    if index > #tokens then index = ((index - 1) % step) + 1 end
    return wrk.format(nil, nil, nil, body)
  end
  return wrk.format()
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d non2xx=%d socket=%d p50=%.2f p95=%.2f p99=%.2f rps=%.2f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1000000)))
end
"""


@dataclass
class Scenario:
    name: str
    path: str
    ceiling: str | None  # the ceiling's scenario it is compared with, if any
    p95_target: float | None  # ms
    ratio_target: float | None = None
    connections: int | None = None  # None: --connections
    method: str = "GET"
    body: str | None = None
    content_type: str | None = None
    cookie: str | None = None
    tokens: Path | None = None
    expect: int = 200
    figures: dict = field(default_factory=dict)


class Gunicorn:
    """gunicorn with the project's configuration on a free loopback port; samples its workers' memory."""

    def __init__(self, target: str, env: dict, workers: int, threads: int, log: Path, cwd: Path = ROOT):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.peak_rss: dict[int, int] = {}
        self._stop = threading.Event()
        env = {**env, "FEEDBACK_WEB_WORKERS": str(workers), "FEEDBACK_WEB_THREADS": str(threads)}
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:feedback.gunicorn_conf",
             "--bind", f"127.0.0.1:{self.port}", target], cwd=cwd, env=env, stdout=self.handle,
            stderr=subprocess.STDOUT)

    def ready(self, path: str) -> None:
        wait_for_http(self.base + path, name="gunicorn", log=self.log, process=self.process)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def workers(self) -> list[int]:
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    children.append(int(entry.name))
        return children

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for pid in self.workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                found = re.search(r"VmHWM:\s+(\d+) kB", status)
                if found:
                    self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), int(found.group(1)) * 1024)

    def peak_mb(self) -> float:
        return max(self.peak_rss.values(), default=0) / 1024 / 1024

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.handle.close()


def wrk(base: str, scenario: Scenario, args, folder: Path) -> dict:
    lua = folder / "load.lua"
    if not lua.exists():
        lua.write_text(LUA)
    env = {**os.environ, "BENCH_METHOD": scenario.method, "BENCH_THREADS": "2"}
    if scenario.body is not None:
        body = folder / f"body-{abs(hash(scenario.name))}.txt"
        body.write_text(scenario.body, encoding="utf-8")
        env["BENCH_BODY"] = str(body)
    for name, value in (("BENCH_CONTENT_TYPE", scenario.content_type), ("BENCH_COOKIE", scenario.cookie),
                        ("BENCH_TOKENS", scenario.tokens and str(scenario.tokens))):
        if value:
            env[name] = value
    connections = max(2, scenario.connections or args.connections)
    # A page slower than the whole run would show no request at all: then again, longer (bounded).
    for duration in (args.duration, 5 * args.duration, 30):
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
                              "-s", str(lua), base + scenario.path], capture_output=True, text=True, env=env,
                             timeout=duration + 90)
        found = re.search(r"RESULT (.*)", out.stdout)
        if out.returncode != 0 or found is None:
            raise RuntimeError(f"wrk failed on {scenario.name}: {out.stdout}\n{out.stderr}")
        figures = {key: float(value) for key, value in (pair.split("=") for pair in found.group(1).split())}
        if figures["requests"] > 0:
            break
    figures["connections"] = connections
    figures["duration"] = duration
    return figures


# --- preparing a database ---------------------------------------------------------------------------


def environment(url: str) -> dict:
    return {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": url, "FEEDBACK_SECRET_KEY": SECRET,
            "FEEDBACK_RATELIMIT_ENABLED": "false", "FEEDBACK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "FEEDBACK_PUBLIC_BASE_URL": "http://127.0.0.1"}


def prepare(url: str, demo: bool = True) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "feedback"]
    for command in (["db", "upgrade"], ["demo"]) if demo else (["db", "upgrade"],):
        done = subprocess.run(flask + command, cwd=ROOT, env=environment(url), capture_output=True, text=True,
                              timeout=900)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def migration_head(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


class KeptPostgres:
    """A PostgreSQL cluster kept in a folder between runs (``--reuse``), on a free loopback port."""

    def __init__(self, folder: Path):
        self.dir = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:  # initdb refuses to run as root: as the test suite's clusters do
            import pwd

            for name in ("postgres", "nobody"):
                with contextlib.suppress(KeyError):
                    self.user = pwd.getpwnam(name)
                    break
            for parent in folder.parents:
                mode = parent.stat()
                if not (mode.st_mode & 0o001 or mode.st_uid == self.user.pw_uid):
                    raise SystemExit(f"PostgreSQL runs as {self.user.pw_name}, who cannot reach {folder} "
                                     f"({parent} is closed to other users): choose a folder under /tmp or /srv")
            os.chown(folder, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args, timeout=600):
        from tests.helpers import pg_bin

        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        subprocess.run([pg_bin(args[0]), *args[1:]], check=True, capture_output=True, timeout=timeout,
                       cwd=self.dir, **kwargs)

    def start(self) -> str:
        from tests.helpers import READY_TIMEOUT

        new = not self.data.exists()
        if new:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C.UTF-8")
        # A benchmark's database, rebuilt when lost: durability is traded for seeding speed.
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off -c shared_buffers=256MB "
                   "-c maintenance_work_mem=256MB -c max_wal_size=4GB")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "postgresql.log"), "-w",
                  "-t", str(int(READY_TIMEOUT) * 5), "start")
        if new:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "feedback_bench")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/feedback_bench"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "300", "stop")


MARKER = "seeded.json"


def reused_database(args, folder: Path) -> tuple[str, KeptPostgres | None, dict | None]:
    """The database kept in ``folder`` (``--reuse``): its URL, its cluster, and the marker of its seeding
    (None when the folder is new and the database must be seeded)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker_path = folder / MARKER
    marker = json.loads(marker_path.read_text()) if marker_path.exists() else None
    holds_database = (folder / "bench.db").exists() or (folder / "pgdata").exists()
    if marker is None and holds_database:
        raise SystemExit(f"{folder} holds a database without the marker of a finished seeding "
                         f"(an interrupted run?): remove the folder and run again")
    if marker is not None and (marker["backend"], marker["scale"]) != (args.backend, args.scale):
        raise SystemExit(f"{folder} holds the {marker['scale']} scale on {marker['backend']}, not the "
                         f"{args.scale} scale on {args.backend}: choose another folder")
    if args.backend == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None, marker
    cluster = KeptPostgres(folder)
    return cluster.start(), cluster, marker


def lookups(url: str) -> dict:
    """What the scenarios ask for: a cursor at 90% of the register, a published item, the survey."""
    from itsdangerous import URLSafeSerializer
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT COUNT(*) FROM register_entries")).scalar()
        deep = conn.execute(text("SELECT received_at, item_id FROM register_entries ORDER BY received_at DESC, "
                                 "item_id DESC LIMIT 1 OFFSET :offset"), {"offset": int(total * 0.9)}).one()
        item = conn.execute(text("SELECT code FROM register_entries WHERE published_at IS NOT NULL AND title IS NOT "
                                 "NULL ORDER BY item_id DESC LIMIT 1 OFFSET 10")).scalar()
        survey_id = conn.execute(text("SELECT id FROM surveys WHERE code = 'sipas'")).scalar()
        month = conn.execute(text("SELECT MAX(month) FROM survey_responses")).scalar()
    engine.dispose()
    received_at = deep[0] if isinstance(deep[0], dt.datetime) else dt.datetime.fromisoformat(str(deep[0]))
    cursor = URLSafeSerializer(SECRET, salt="register-cursor").dumps(
        ["received_desc", received_at.replace(tzinfo=dt.timezone.utc).isoformat(), deep[1]])
    month = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month))
    # The last full month.
    month = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return {"register": total, "cursor": cursor, "item": item, "survey_id": survey_id, "month": month,
            "published": publish(url, survey_id, month)}


def publish(url: str, survey_id: int, last: dt.date) -> dt.date:
    """The published month of every seeded unit: the latest month up to ``last`` that the seeding froze
    once every answer was in (as tick does), or else the latest one whose seeded answers have no snapshot
    yet (the demo froze its own months before the seeding), frozen now."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        seeded = conn.execute(text(
            "SELECT MAX(m.month) FROM reports_months m WHERE m.survey_id = :survey AND m.month <= :last AND "
            "m.frozen_at >= (SELECT MAX(r.recorded_at) FROM survey_responses r WHERE r.survey_id = :survey AND "
            "r.month = m.month)"), {"survey": survey_id, "last": last}).scalar()
        if seeded is not None:
            engine.dispose()
            return seeded if isinstance(seeded, dt.date) else dt.date.fromisoformat(str(seeded))
        month = conn.execute(text("SELECT MAX(month) FROM survey_responses WHERE survey_id = :survey AND month <= "
                                  ":last AND month NOT IN (SELECT month FROM reports_months WHERE survey_id = :survey)"),
                             {"survey": survey_id, "last": last}).scalar()
    engine.dispose()
    if month is None:
        raise RuntimeError("no seeded month of survey answers is left to freeze")
    month = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month))
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "feedback", "reports", "freeze", "--month",
                           f"{month:%Y-%m}"], cwd=ROOT, env=environment(url), capture_output=True, text=True,
                          timeout=1800)
    if done.returncode:
        raise RuntimeError(f"flask reports freeze failed:\n{done.stdout}\n{done.stderr}")
    return month


# --- sessions and forms ----------------------------------------------------------------------------


def session_with_form(base: str, path: str, login: tuple[str, str] | None = None) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a visitor who opened ``path`` (signed in first, if asked)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    if login is not None:
        page = opener.open(base + "/login", timeout=120).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "email": login[0], "password": login[1]}).encode()
        opener.open(base + "/login", data=body, timeout=120).read()
    page = opener.open(base + path, timeout=120).read().decode()
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = found.group(1) if found else ""
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar), token


def filing_tokens(folder: Path, count: int) -> Path:
    """One-time submission tokens, signed as the filing page signs them (one per POST)."""
    import secrets

    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(SECRET, salt="filing-form")
    path = folder / "tokens.txt"
    path.write_text("\n".join(serializer.dumps(secrets.token_urlsafe(24)) for _ in range(count)) + "\n")
    return path


def check(base: str, scenario: Scenario) -> None:
    """One request before the load: it must answer as expected, or the figures would mean nothing."""
    headers = {"Cookie": scenario.cookie} if scenario.cookie else {}
    data = None
    if scenario.body is not None:
        body = scenario.body
        if scenario.tokens is not None:
            body = body.replace("TOKEN", scenario.tokens.read_text().splitlines()[-1])
        data = body.encode()
        headers["Content-Type"] = scenario.content_type
    request = urllib.request.Request(base + scenario.path, data=data, headers=headers, method=scenario.method)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=300) as response:
            status, text = response.status, response.read()[:300]
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()[:2000]
    if status != scenario.expect:
        raise RuntimeError(f"{scenario.name}: {scenario.method} {scenario.path[:120]} answered {status}, "
                           f"not {scenario.expect}: {text!r}")


# --- the scenarios ---------------------------------------------------------------------------------


def ceiling_scenarios(base: str, folder: Path) -> list[Scenario]:
    cookie, token = session_with_form(base, "/form")
    body = urllib.parse.urlencode({"csrf_token": token, "title": "Hồ sơ bị chậm",
                                   "body": "Hồ sơ bị chậm so với phiếu hẹn, đề nghị kiểm tra và trả lời sớm."})
    return [Scenario("form page", "/form", None, None),
            Scenario("form POST (insert)", "/form", None, None, method="POST", body=body, cookie=cookie,
                     content_type="application/x-www-form-urlencoded", expect=302),
            Scenario("list of 50 rows", "/list", None, None)]


def our_scenarios(base: str, info: dict, folder: Path, args) -> list[Scenario]:
    cookie, token = session_with_form(base, "/file")
    tokens = filing_tokens(folder, max(2000, args.duration * 1500))
    filing = urllib.parse.urlencode({
        "csrf_token": token, "submission": "TOKEN", "kind": "complaint", "topic": "procedure", "unit": UNIT,
        "procedure": "", "title": "Hồ sơ chứng thực bị chậm so với phiếu hẹn",
        "body": "Hồ sơ bị chậm so với phiếu hẹn, đề nghị kiểm tra và trả lời sớm cho gia đình tôi.",
        "phone": "0912345678", "consent": "y", "publish": "y", "notify_sms": "y"})
    answers = survey_answers_body(base)
    heavy = min(args.connections, 4)
    return [
        Scenario("filing page", "/file", "form page", 50, RATIO_TARGET),
        Scenario("filing POST (CSRF, new item)", "/file", "form POST (insert)", 50, RATIO_TARGET, method="POST",
                 body=filing, cookie=cookie, content_type="application/x-www-form-urlencoded", tokens=tokens,
                 expect=302),
        Scenario("register, first page", "/register", "list of 50 rows", 50, RATIO_TARGET),
        Scenario("register, deep page (90%)", f"/register?cursor={info['cursor']}", "list of 50 rows", 100),
        Scenario("register, search without diacritics", "/register?q=" + urllib.parse.quote_plus(
            "thu tuc dat dai"), "list of 50 rows", 100),
        Scenario("register, an item", f"/register/items/{info['item']}", "list of 50 rows", 50, RATIO_TARGET),
        Scenario("unit page", f"/units/{UNIT}", "list of 50 rows", 50, RATIO_TARGET),
        Scenario("dashboard (province)", "/dashboard", "list of 50 rows", 200, connections=heavy),
        Scenario("dashboard of a unit", f"/dashboard/units/{UNIT}", "list of 50 rows", 200, connections=heavy),
        Scenario(f"satisfaction results of the province, {info['published']:%Y-%m}",
                 f"/results/sipas?period={info['published']:%Y-%m}", "list of 50 rows", 200, connections=heavy),
        Scenario("answering the survey (API POST)", "/api/v1/surveys/sipas/responses", "form POST (insert)", 50,
                 RATIO_TARGET, method="POST", body=answers, content_type="application/json", expect=201),
    ]


def survey_answers_body(base: str) -> str:
    with urllib.request.urlopen(base + "/api/v1/surveys/sipas", timeout=120) as response:
        survey = json.loads(response.read())
    answers = {}
    for section in survey["sections"]:
        for question in section["questions"]:
            if question["show_if"]:
                continue
            if question["required"]:
                answers[str(question["id"])] = question["options"][-1]["value"]
    return json.dumps({"unit": "QN.TTPVHCC", "answers": answers})


def minutes_pdf(args) -> dict:
    runs = args.pdf_runs
    done = subprocess.run([sys.executable, str(HERE / "dialogues_minutes.py"), "--questions", "40", "--runs",
                           str(runs)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    found = re.search(r"median ([\d.]+) s, min ([\d.]+) s, max ([\d.]+) s", done.stdout)
    pages = re.search(r"(\d+) pages", done.stdout)
    if found is None:
        raise RuntimeError(f"the minutes benchmark failed:\n{done.stdout}\n{done.stderr}")
    return {"median": float(found.group(1)), "max": float(found.group(3)), "pages": int(pages.group(1)),
            "runs": runs}


# --- the run ---------------------------------------------------------------------------------------


def run(args) -> int:
    folder = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
    cluster = None
    report: dict = {"rounds": args.rounds, "backend": args.backend, "scale": args.scale, "duration": args.duration,
                    "connections": args.connections, "workers": args.workers, "threads": args.threads,
                    "cores": os.cpu_count(), "load_before": os.getloadavg(), "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    failures = 0
    try:
        marker = None
        if args.reuse:
            url, cluster, marker = reused_database(args, Path(args.reuse).resolve())
        elif args.backend == "sqlite":
            url = args.database_url or f"sqlite:///{folder}/bench.db"
        else:
            url = args.database_url
            if url is None:
                from tests.helpers import ThrowawayPostgres

                cluster = ThrowawayPostgres()
                url = cluster.start()
        scale = SCALES[args.scale]
        say(f"{args.backend}, scale {args.scale}: {scale.units} units, {scale.procedures:,} procedures, "
            f"{scale.items:,} items, {scale.survey_answers:,} survey answers")
        if marker is None:
            started = time.perf_counter()
            prepare(url)
            report["demo_seconds"] = time.perf_counter() - started
            seeded = seed(url, scale, progress=lambda line: say(line, end="\r"))
            report["seeding"] = seeded["timings"]
            report["rows"] = seeded["rows"]
            say(f"seeded {seeded['rows']:,} rows in {seeded['timings']['total']:.1f} s "
                f"({', '.join(f'{k} {v:.1f} s' for k, v in seeded['timings'].items() if k != 'total')}); "
                f"migrations and demo {report['demo_seconds']:.1f} s")
            if args.reuse:
                marker = {"backend": args.backend, "scale": args.scale, "rows": seeded["rows"],
                          "seeding": seeded["timings"], "demo_seconds": report["demo_seconds"],
                          "head": migration_head(url), "seeded": dt.datetime.now(dt.timezone.utc).isoformat(
                              timespec="seconds")}
                (Path(args.reuse) / MARKER).write_text(json.dumps(marker, indent=2))
        else:
            # Seeded by an earlier run: only the migrations written since are applied.
            started = time.perf_counter()
            prepare(url, demo=False)
            head = migration_head(url)
            say(f"reusing {args.reuse}: {marker['rows']:,} rows seeded {marker['seeded']} "
                f"(in {marker['seeding']['total']:.0f} s); migrations {marker['head']} -> {head} in "
                f"{time.perf_counter() - started:.1f} s")
            if head != marker["head"]:
                marker["head"] = head
                (Path(args.reuse) / MARKER).write_text(json.dumps(marker, indent=2))
            report.update(seeding=marker["seeding"], rows=marker["rows"], demo_seconds=marker["demo_seconds"],
                          reused=args.reuse)
        if args.seed_only:
            return 0
        info = lookups(url)
        report["register_entries"] = info["register"]

        from ceiling import create_table

        create_table(url)
        ceiling_env = {**os.environ, "CEILING_DATABASE_URL": url, "CEILING_SECRET_KEY": SECRET}
        ceilings: dict[str, list[dict]] = {}
        rounds = []

        def measure_ceiling():
            server = Gunicorn("ceiling:create_app()", ceiling_env, args.workers, args.threads,
                              folder / "ceiling.log", cwd=HERE)
            try:
                server.ready("/list")
                for scenario in ceiling_scenarios(server.base, folder):
                    check(server.base, scenario)
                    figures = wrk(server.base, scenario, args, folder)
                    ceilings.setdefault(scenario.name, []).append(figures)
                    failures_here = int(figures["non2xx"] + figures["socket"])
                    say(line(f"ceiling: {scenario.name}", figures))
                    if failures_here:
                        raise RuntimeError(f"the ceiling's {scenario.name} had {failures_here} failed requests")
                rounds.append(server.peak_mb())
            finally:
                server.stop()

        measure_ceiling()
        server = Gunicorn("feedback:create_app()", environment(url), args.workers, args.threads,
                          folder / "feedback.log")
        try:
            server.ready("/register")
            scenarios = our_scenarios(server.base, info, folder, args)
            for scenario in scenarios:
                check(server.base, scenario)
                scenario.figures = wrk(server.base, scenario, args, folder)
                say(line(scenario.name, scenario.figures))
                bad = int(scenario.figures["non2xx"] + scenario.figures["socket"])
                if bad:
                    failures += 1
                    say(f"  FAILED: {bad} requests answered with an error or broke off (see {server.log})")
            report["peak_rss_mb"] = server.peak_mb()
        finally:
            server.stop()
        if args.rounds > 1:
            measure_ceiling()  # again after ours: the ratio uses the mean of both rounds
        report["ceiling_peak_rss_mb"] = max(rounds)
        report["minutes_pdf"] = minutes_pdf(args) if args.pdf_runs else None
        report["ceiling"] = {name: {key: statistics.mean(run[key] for run in runs) for key in runs[0]}
                             for name, runs in ceilings.items()}
        report["scenarios"] = [{"name": s.name, "path": s.path.split("?")[0], "ceiling": s.ceiling,
                                "p95_target": s.p95_target, "ratio_target": s.ratio_target, **s.figures,
                                "ratio": (s.figures["rps"] / report["ceiling"][s.ceiling]["rps"]) if s.ceiling else None}
                               for s in scenarios]
        report["load_after"] = os.getloadavg()
        print_report(report, info)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    finally:
        if cluster is not None:
            cluster.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


def say(text: str, end: str = "\n") -> None:
    print(text, end=end if sys.stdout.isatty() else "\n", flush=True)


def line(name: str, figures: dict) -> str:
    return (f"  {name:44} {figures['rps']:8.1f} req/s  p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f}  "
            f"p99 {figures['p99']:7.1f} ms  ({int(figures['requests'])} requests, {int(figures['connections'])} "
            f"connections)")


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "MISSED")


def print_report(report: dict, info: dict) -> None:
    print()
    print(f"== {report['backend']}, scale {report['scale']} ({info['register']:,} items in the register); "
          f"gunicorn {report['workers']} workers x {report['threads']} threads; wrk {report['duration']} s a scenario; "
          f"{report['cores']} cores; load average {report['load_before'][0]:.1f} before, "
          f"{report['load_after'][0]:.1f} after")
    print(f"ceiling (minimal Flask app, mean of {report['rounds']} rounds): " + ", ".join(
        f"{name} {figures['rps']:.0f} req/s (p95 {figures['p95']:.1f} ms)" for name, figures in report["ceiling"].items()))
    print(f"{'scenario':44} {'req/s':>8} {'ratio':>6} {'p50':>7} {'p95':>7} {'p99':>7}  targets")
    for row in report["scenarios"]:
        ratio = row["ratio"]
        checks = []
        if row["ratio_target"]:
            checks.append(f"ratio >= {row['ratio_target']}: {verdict(ratio >= row['ratio_target'])}")
        if row["p95_target"]:
            # No request finished in the longest run: wrk's percentiles are then zeros, not fast ones.
            finished = row["requests"] > 0
            checks.append(f"p95 < {row['p95_target']} ms at {int(row['connections'])}: "
                          f"{verdict(finished and row['p95'] < row['p95_target'])}"
                          + ("" if finished else f" (no request finished in {int(row['duration'])} s)"))
        print(f"{row['name']:44} {row['rps']:8.1f} {ratio:6.2f} {row['p50']:7.1f} {row['p95']:7.1f} "
              f"{row['p99']:7.1f}  {'; '.join(checks)}")
    pdf = report["minutes_pdf"]
    if pdf is None:
        print("minutes PDF of 40 questions: not measured (--pdf-runs 0)")
    else:
        print(f"minutes PDF of 40 questions ({pdf['pages']} pages): median {pdf['median']:.2f} s, max {pdf['max']:.2f} "
              f"s over {pdf['runs']} renders; < 2 s: {verdict(pdf['median'] < 2)}")
    print(f"peak RSS per worker: ours {report['peak_rss_mb']:.0f} MB, the ceiling's {report['ceiling_peak_rss_mb']:.0f} "
          f"MB; < 150 MB: {verdict(report['peak_rss_mb'] < 150)}")
    seeding = report["seeding"]
    print(f"seeding: {report['rows']:,} rows in {seeding['total']:.0f} s, after {report['demo_seconds']:.0f} s of "
          f"migrations and demo" + (f" (an earlier run's, kept in {report['reused']})" if report.get("reused") else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The benchmark suite (bench/README.md).")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", choices=tuple(SCALES), default="small")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=None,
                        help="an empty database to use (default: a new SQLite file, or a throwaway PostgreSQL cluster)")
    parser.add_argument("--rounds", type=int, choices=(1, 2), default=2,
                        help="rounds of the ceiling: before ours, and again after (the mean is used)")
    parser.add_argument("--pdf-runs", type=int, default=5, help="renders of the minutes PDF (0: not measured)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    parser.add_argument("--reuse", metavar="DIR", default=None,
                        help="keep the seeded database in DIR and use it again on the next run with DIR "
                             "(seeded once per scale and backend; migrations upgraded on reuse)")
    parser.add_argument("--seed-only", action="store_true", help="stop after the seeding (with --reuse)")
    args = parser.parse_args(argv)
    if args.reuse and args.database_url:
        parser.error("--reuse keeps its own database: it cannot be given with --database-url")
    if args.seed_only and not args.reuse:
        parser.error("--seed-only is for --reuse DIR (a seeding kept for later runs)")
    if shutil.which("wrk") is None:
        print("wrk is missing: bench/run installs it (Debian package wrk)", file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
