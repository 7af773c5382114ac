"""Benchmark: items filed per second through gunicorn, and the latency of each filing.

Usage: .venv/bin/python bench/filing.py [--clients 20] [--items 400] [--database URL]
Without --database it uses a fresh SQLite file (the embedded default). It migrates the database,
loads the demo province, starts gunicorn on a free loopback port, files the items from the given
number of concurrent clients, and prints throughput and latency percentiles. Compare figures
from the same run (e.g. SQLite against PostgreSQL), not across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gunicorn_server import gunicorn

ROOT = Path(__file__).parent.parent


def file_one(base: str, number: int) -> tuple[int, float]:
    body = {"kind": "complaint", "topic": "procedure", "unit": "QN.STP", "title": f"Phản ánh thử {number}",
            "body": "Hồ sơ bị chậm so với phiếu hẹn, đề nghị kiểm tra và trả lời sớm.",
            "contact": {"phone": "0912345678"}, "consent": True}
    request = urllib.request.Request(base + "/api/v1/items", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Idempotency-Key": f"bench-{number}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="feedback-bench-")
    database = args.database or f"sqlite:///{folder}/bench.db"
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": database, "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_RATELIMIT_ENABLED": "false", "FEEDBACK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    flask = [sys.executable, "-m", "flask", "--app", "feedback"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo"], cwd=ROOT, env=env, check=True, capture_output=True)

    with gunicorn(env, workers=args.workers, threads=4) as base:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(lambda n: file_one(base, n), range(args.items)))
        elapsed = time.perf_counter() - started

    latencies = sorted(latency for _, latency in results)
    failures = sum(1 for status, _ in results if status != 201)
    print(f"database: {database.split(':')[0]}  workers: {args.workers}x4 threads  clients: {args.clients}")
    print(f"items: {args.items}  failed: {failures}  time: {elapsed:.2f} s  throughput: {args.items / elapsed:.1f} items/s")
    print(f"latency ms: p50 {statistics.median(latencies) * 1000:.0f}  "
          f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f}  max {latencies[-1] * 1000:.0f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
