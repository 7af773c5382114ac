"""Benchmark: the public register's search and deep pages with many items, on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/register.py [--items 1000000] [--backends sqlite,postgresql]
           [--postgres-url URL] [--duration 10] [--connections CPUS] [--workers CPUS]

For each backend it migrates an empty database, loads the demo province, then seeds ``--items``
items and their register rows in bulk (executemany on SQLite, COPY on PostgreSQL: not through the
services, which would take hours), runs ANALYZE, starts gunicorn on a free loopback port and loads
a few register URLs with wrk (Debian package ``wrk``), printing requests per second and the 50th
and 95th percentiles of latency. Without --postgres-url it starts a throwaway PostgreSQL cluster
(the test suite's) and stops it at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))

from gunicorn_server import gunicorn  # noqa: E402 - beside this script

SECRET = "bench-secret"
WORDS = ("hồ sơ", "khai sinh", "chứng thực", "giấy phép xây dựng", "đăng ký kinh doanh", "cấp đổi", "bị chậm",
         "quá hạn", "trễ hẹn", "cán bộ", "hướng dẫn", "thái độ", "lệ phí", "bưu chính", "trực tuyến", "một cửa",
         "lý lịch tư pháp", "hộ tịch", "môi trường", "giao thông", "đề nghị", "rút ngắn thời gian", "bổ sung")
ANSWER = ("Đơn vị đã tiếp nhận và kiểm tra nội dung phản ánh, kiến nghị; đã chấn chỉnh bộ phận liên quan, "
          "hướng dẫn cụ thể cho người dân và cam kết thực hiện đúng quy trình, thời hạn theo quy định.")
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d p50=%.2f p95=%.2f p99=%.2f rps=%.1f\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1000000)))
end
"""


def prepare(url: str) -> None:
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": url, "FEEDBACK_SECRET_KEY": SECRET,
           "FEEDBACK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    flask = [sys.executable, "-m", "flask", "--app", "feedback"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo"], cwd=ROOT, env=env, check=True, capture_output=True)


def seed(url: str, count: int) -> dict:
    """Insert ``count`` items and register rows in bulk; return what the load needs (a deep cursor, a unit)."""
    from sqlalchemy import create_engine, text

    from feedback.text import fold

    engine = create_engine(url)
    rng = random.Random(5)
    with engine.begin() as conn:
        units = conn.execute(text("SELECT id, code FROM units WHERE head_id IS NOT NULL ORDER BY id")).all()
        procedures = conn.execute(text("SELECT id, unit_id, field FROM procedures ORDER BY id")).all()
        start_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM items")).scalar() + 1
    by_unit: dict[int, list] = {}
    for procedure in procedures:
        by_unit.setdefault(procedure.unit_id, []).append(procedure)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    item_columns = ("id", "code", "kind", "topic", "channel", "status", "unit_id", "procedure_id", "title", "body",
                    "publish", "received_at", "created_at", "due_at", "deadline_days", "responded_at",
                    "access_key_hash", "search_text")
    entry_columns = ("item_id", "code", "kind", "topic", "status", "unit_id", "procedure_id", "field", "received_at",
                     "due_at", "deadline_days", "responded_at", "published_at", "late_days", "extended",
                     "transferred", "title", "body", "answer", "answer_unit", "head_title", "search_text")

    def rows(first: int, last: int):
        for number in range(first, last):
            item_id = start_id + number
            unit_id, _code = units[number % len(units)]
            procedure = rng.choice(by_unit[unit_id]) if by_unit.get(unit_id) and number % 3 else None
            words = rng.sample(WORDS, 4)
            if number % 100 == 0:
                words[0] = "thủ tục đất đai"
            title = " ".join(words).capitalize()[:200]
            body = f"{title}. Đề nghị đơn vị kiểm tra, xử lý và trả lời theo quy định."
            received = now - dt.timedelta(minutes=number * 525_600 * 3 // max(count, 1) + 1)
            due = received + dt.timedelta(days=14)
            answered = number % 10 < 7 and due - dt.timedelta(days=10) < now
            responded = received + dt.timedelta(days=rng.choice((3, 7, 12, 16, 20))) if answered else None
            if responded is not None and responded > now:
                responded = None
            status = "responded" if responded else ("in_progress" if number % 2 else "assigned")
            late_days = (max(0, (responded - due).days * 5 // 7)) if responded else None
            code = f"PA-26-B{item_id:07d}"[:20]
            publish = number % 3 != 0
            search = fold(" ".join((code, title if publish else "", body if publish else "",
                                    ANSWER if responded else "", procedure.field if procedure else "")))
            yield (
                (item_id, code, "complaint" if number % 4 else "petition", "procedure", "web", status, unit_id,
                 procedure.id if procedure else None, title, body, publish, received, received,
                 due, 10, responded, "0" * 64, fold(f"{code} {title}")),
                (item_id, code, "complaint" if number % 4 else "petition", "procedure", status, unit_id,
                 procedure.id if procedure else None, procedure.field if procedure else "", received, due, 10,
                 responded, responded, late_days, False, False, title if publish else None,
                 body if publish else None, ANSWER if responded else None, "", "", search),
            )

    started = time.perf_counter()
    batch = 20_000
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        postgres = engine.dialect.name == "postgresql"
        for first in range(0, count, batch):
            pairs = list(rows(first, min(count, first + batch)))
            if postgres:
                with cursor.copy(f"COPY items ({', '.join(item_columns)}) FROM STDIN") as copy:
                    for item_row, _entry in pairs:
                        copy.write_row(item_row)
                with cursor.copy(f"COPY register_entries ({', '.join(entry_columns)}) FROM STDIN") as copy:
                    for _item, entry_row in pairs:
                        copy.write_row(entry_row)
            else:
                cursor.executemany(f"INSERT INTO items ({', '.join(item_columns)}) VALUES "
                                   f"({', '.join('?' * len(item_columns))})", [pair[0] for pair in pairs])
                cursor.executemany(f"INSERT INTO register_entries ({', '.join(entry_columns)}) VALUES "
                                   f"({', '.join('?' * len(entry_columns))})", [pair[1] for pair in pairs])
            raw.commit()
            print(f"  seeded {min(count, first + batch):,} items", end="\r", flush=True)
        if postgres:
            cursor.execute("SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT MAX(id) FROM items))")
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        offset = int(count * 0.9)
        deep = conn.execute(text("SELECT received_at, item_id FROM register_entries ORDER BY received_at DESC, "
                                 "item_id DESC LIMIT 1 OFFSET :offset"), {"offset": offset}).one()
        unit_code = units[0].code
    engine.dispose()
    received_at = deep[0] if isinstance(deep[0], dt.datetime) else dt.datetime.fromisoformat(str(deep[0]))
    return {"seconds": seconds, "deep": (received_at.replace(tzinfo=dt.timezone.utc), deep[1]), "unit": unit_code}


def deep_cursor(received_at: dt.datetime, item_id: int) -> str:
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(SECRET, salt="register-cursor").dumps(["received_desc", received_at.isoformat(), item_id])


def load(url: str, info: dict, args) -> list[tuple[str, str]]:
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": url, "FEEDBACK_SECRET_KEY": SECRET,
           "FEEDBACK_RATELIMIT_ENABLED": "false"}
    cursor = deep_cursor(*info["deep"])
    targets = [
        ("search q=thu tuc dat dai (API)", "/api/v1/register?q=thu+tuc+dat+dai"),
        ("search q=thu tuc dat dai (page)", "/register?q=thu+tuc+dat+dai"),
        ("search two rare words (API)", "/api/v1/register?q=ly+lich+tu+phap+buu+chinh+truc+tuyen"),
        ("deep page at 90% (page)", f"/register?cursor={cursor}"),
        ("deep page at 90% (API)", f"/api/v1/register?cursor={cursor}"),
        ("unit + late filter (API)", f"/api/v1/register?unit={info['unit']}&timeliness=late"),
        ("first page (page)", "/register"),
    ]
    results = []
    lua = Path(tempfile.mkdtemp()) / "p95.lua"
    lua.write_text(LUA)
    with gunicorn(env, workers=args.workers, threads=2) as base:
        for name, path in targets:
            urllib.request.urlopen(base + path, timeout=120).close()  # warm up, and fail loudly on an error
            out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "-s", str(lua),
                                  base + path], capture_output=True, text=True, check=True).stdout
            found = re.search(r"RESULT (.*)", out)
            results.append((name, found.group(1) if found else out))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    folder = tempfile.mkdtemp(prefix="feedback-bench-register-")
    cluster = None
    try:
        for backend in [name.strip() for name in args.backends.split(",") if name.strip()]:
            if backend == "sqlite":
                url = f"sqlite:///{folder}/register.db"
            else:
                url = args.postgres_url
                if url is None:
                    from tests.helpers import ThrowawayPostgres

                    cluster = ThrowawayPostgres()
                    url = cluster.start()
            prepare(url)
            info = seed(url, args.items)
            print(f"\n{backend}: {args.items:,} items seeded in {info['seconds']:.0f} s; "
                  f"wrk {args.connections} connections, {args.duration} s, gunicorn {args.workers}x2 threads")
            for name, figures in load(url, info, args):
                print(f"  {name:34} {figures}")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
