"""Shared by the benchmarks: gunicorn on a free loopback port, ready before the load starts."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict, workers: int, threads: int):
    """Yield the base URL of gunicorn serving wsgi:app with ``env``, once it answers (at most 60 s)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
                               "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/v1/units", timeout=10).close()
                break
            except OSError:  # refused, reset, timed out: the machine may be loaded
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
