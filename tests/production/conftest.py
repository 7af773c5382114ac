"""Helpers for the tests of the production set-up: processes started as an operator would, and
waited for with bounded retries on every network error."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.plugins.notify.conftest import free_port, wait_for  # noqa: F401 - re-exported for the tests here

ROOT = Path(__file__).parents[2]


def fetch(url: str, headers: dict | None = None, data: bytes | None = None, method: str | None = None,
          timeout: float = 30):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_until_answering(url: str, process: subprocess.Popen | None = None, log: Path | None = None,
                         timeout: float = 180) -> None:
    """Poll ``url`` until it answers (any HTTP status), at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server stopped (exit {process.returncode}):\n" + (log.read_text() if log else ""))
        try:
            fetch(url, timeout=10)
            return
        except OSError:  # refused, reset, timed out: the machine may be loaded
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s:\n" + (log.read_text() if log else ""))


@contextlib.contextmanager
def running(command: list[str], log: Path, cwd: Path = ROOT, env: dict | None = None, url: str | None = None,
            timeout: float = 180):
    """Run ``command`` in its own process group (logging to ``log``) until the block ends."""
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            if url:
                wait_until_answering(url, process, log, timeout)
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen, timeout: float = 60) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
