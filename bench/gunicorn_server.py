"""Shared by the benchmarks: gunicorn on a free loopback port, ready before the load starts."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import free_port, wait_for_http  # noqa: E402 - the suite's port and readiness helpers


@contextlib.contextmanager
def gunicorn(env: dict, workers: int, threads: int, target: str = "wsgi:app", cwd: Path = ROOT,
             ready: str = "/api/v1/units"):
    """Yield the base URL of gunicorn serving ``target`` (from ``cwd``) with ``env``, once ``ready``
    answers (the suite's readiness check: every network error retried, a clear message with
    gunicorn's log if it gives up)."""
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="feedback-bench-gunicorn-")) / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
                                   str(threads), "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}",
                                   target], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(base + ready, name="gunicorn", log=log_path, process=server)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
