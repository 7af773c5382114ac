"""Benchmark: answering a survey under load, as ratios to a minimal Flask app measured in the same run.

Usage: .venv/bin/python bench/surveys.py [--backends sqlite,postgresql] [--postgres-url URL]
           [--duration 10] [--connections 8] [--workers CPUS]

For each backend it migrates an empty database, loads the demo province (the SIPAS-style survey
with six months of answers), starts gunicorn on a free loopback port, and loads with wrk (Debian
package ``wrk``): the answering page of a unit (GET /s/sipas/UNIT), the survey's questions (GET
/api/v1/surveys/sipas) and answering it (POST /api/v1/surveys/sipas/responses, every answer
stored and checked). The same gunicorn serves bench/minimal_app.py for the yardstick: a page and
a JSON POST. It prints requests per second, the 50th and 95th percentiles of latency, and how many
times slower than the yardstick each target is. Without --postgres-url it starts a throwaway
PostgreSQL cluster (the test suite's) and stops it at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parent.parent
HERE = Path(__file__).parent
sys.path.insert(0, str(ROOT))

from gunicorn_server import gunicorn  # noqa: E402 - beside this script

SECRET = "bench-secret"
UNIT = "QN.TTPVHCC"
LUA = """
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body_file = os.getenv("BENCH_BODY")
if body_file then
  local handle = io.open(body_file, "r")
  wrk.body = handle:read("*a")
  handle:close()
  wrk.headers["Content-Type"] = "application/json"
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d p50=%.2f p95=%.2f rps=%.1f\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, summary.requests / (summary.duration / 1000000)))
end
"""


def prepare(url: str) -> None:
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": url, "FEEDBACK_SECRET_KEY": SECRET,
           "FEEDBACK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    flask = [sys.executable, "-m", "flask", "--app", "feedback"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo"], cwd=ROOT, env=env, check=True, capture_output=True)


def answers_body(base: str, folder: Path) -> Path:
    """A full set of answers to the published template (every required question, a comment)."""
    with urllib.request.urlopen(base + "/api/v1/surveys/sipas", timeout=120) as response:
        survey = json.loads(response.read())
    answers = {}
    for section in survey["sections"]:
        for question in section["questions"]:
            if question["show_if"]:
                continue
            if question["required"]:
                answers[str(question["id"])] = question["options"][-1]["value"]
            elif question["type"] == "long_text":
                answers[str(question["id"])] = "Cần thêm ghế ngồi chờ ở khu vực tiếp nhận."
    path = folder / "answers.json"
    path.write_text(json.dumps({"unit": UNIT, "answers": answers}), encoding="utf-8")
    return path


def wrk(base: str, path: str, args, lua: Path, body: Path | None = None) -> dict:
    env = {**os.environ}
    if body is not None:
        env.update(BENCH_METHOD="POST", BENCH_BODY=str(body))
    out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "-s", str(lua), base + path],
                         capture_output=True, text=True, check=True, env=env).stdout
    found = re.search(r"RESULT (.*)", out)
    if found is None:
        raise RuntimeError(out)
    return {key: float(value) for key, value in (pair.split("=") for pair in found.group(1).split())}


def line(name: str, figures: dict, yardstick: dict) -> str:
    ratio = yardstick["rps"] / figures["rps"] if figures["rps"] else float("inf")
    return (f"  {name:38} {figures['rps']:8.1f} req/s  p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  "
            f"errors {int(figures['errors'])}  {ratio:5.1f}x the yardstick's time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="feedback-bench-surveys-"))
    lua = folder / "load.lua"
    lua.write_text(LUA)
    cluster = None
    try:
        with gunicorn(dict(os.environ), workers=args.workers, threads=2, target="minimal_app:app", cwd=HERE,
                      ready="/") as base:
            (folder / "minimal.json").write_text(json.dumps({"answers": {str(n): 5 for n in range(18)}}))
            page_yardstick = wrk(base, "/", args, lua)
            post_yardstick = wrk(base, "/answers", args, lua, folder / "minimal.json")
        print(f"yardstick (minimal Flask app, gunicorn {args.workers}x2 threads, wrk {args.connections} connections, "
              f"{args.duration} s): page {page_yardstick['rps']:.0f} req/s, JSON POST {post_yardstick['rps']:.0f} req/s")
        for backend in [name.strip() for name in args.backends.split(",") if name.strip()]:
            if backend == "sqlite":
                url = f"sqlite:///{folder}/surveys.db"
            else:
                url = args.postgres_url
                if url is None:
                    from tests.helpers import ThrowawayPostgres

                    cluster = ThrowawayPostgres()
                    url = cluster.start()
            prepare(url)
            env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": url, "FEEDBACK_SECRET_KEY": SECRET,
                   "FEEDBACK_RATELIMIT_ENABLED": "false"}
            with gunicorn(env, workers=args.workers, threads=2) as base:
                body = answers_body(base, folder)
                urllib.request.urlopen(base + f"/s/sipas/{UNIT}", timeout=120).close()  # warm up
                page = wrk(base, f"/s/sipas/{UNIT}", args, lua)
                questions = wrk(base, "/api/v1/surveys/sipas", args, lua)
                answering = wrk(base, "/api/v1/surveys/sipas/responses", args, lua, body)
            print(f"\n{backend}:")
            print(line("answering page GET /s/sipas/UNIT", page, page_yardstick))
            print(line("questions GET /api/v1/surveys/sipas", questions, page_yardstick))
            print(line("answering POST .../responses (201)", answering, post_yardstick))
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
