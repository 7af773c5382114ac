"""Real components for the notification tests: redis-server, an RQ worker process, an SMTP
server (aiosmtpd) and an SMS gateway on loopback ports. The SMTP server and the gateway honour
idempotency keys (Message-ID, Idempotency-Key): a repeated key is acknowledged, not delivered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import (
    ROOT, Gateway, NotReady, RedisServer, SmtpHandler, descendants, start_smtp_server, wait_until_ready,
)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    handler = SmtpHandler()
    controller = start_smtp_server(handler)
    yield controller, handler
    controller.stop()


@pytest.fixture
def sms_gateway():
    gateway = Gateway()
    gateway.thread.start()
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


@pytest.fixture
def components(redis_server, smtp_server, sms_gateway, database_url, real_commits):
    """The settings that point the app and its workers at the real components (the workers are
    other processes: the test's commits are real)."""
    controller, _handler = smtp_server
    return {
        "REDIS_URL": redis_server.url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "SMS_GATEWAY_URL": sms_gateway.url,
        "JOB_RETRY_INTERVALS": [1, 1, 1, 1, 1],
        "OUTBOX_SEND_LEASE_SECONDS": 3,
        "OUTBOX_SWEEP_AFTER_SECONDS": 2,
        "TICK_INTERVAL_SECONDS": 1,
        "JOB_TIMEOUT": 30,
    }


class Workers:
    def __init__(self, database_url: str, settings: dict, folder: Path):
        self.database_url, self.settings, self.folder = database_url, settings, folder
        self.processes: list[subprocess.Popen] = []
        self.files: list = []

    def start(self, **overrides) -> subprocess.Popen:
        env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": self.database_url, "FEEDBACK_SECRET_KEY": "test-secret",
               "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false", "FEEDBACK_RATELIMIT_ENABLED": "false"}
        for name, value in {**self.settings, **overrides}.items():
            env[f"FEEDBACK_{name}"] = json.dumps(value) if not isinstance(value, str) else value
        path = self.folder / f"worker-{len(self.processes)}.log"
        log = path.open("w")
        self.files.append(log)
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "feedback", "worker"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        wait_until_ready(lambda: self._registered(process, env["FEEDBACK_REDIS_URL"]),
                         name=f"the RQ worker {path.stem}", log=path, process=process)
        return process

    @staticmethod
    def _registered(process: subprocess.Popen, redis_url: str) -> None:
        """Ready once the worker has registered itself in Redis (a crashed one stays listed: match the pid)."""
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Worker

        try:
            with Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=5) as connection:
                pids = {worker.pid for worker in Worker.all(connection=connection)}
        except RedisError as error:  # redis-py's connection errors are not OSErrors
            raise NotReady(repr(error)) from error
        if process.pid not in pids:
            raise NotReady("not registered in Redis yet")

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9, as a crash or the OOM killer would: no clean-up at all. RQ runs each job in a
        forked work horse in a process group of its own, so every descendant is killed too."""
        for pid in [process.pid, *descendants(process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=15)

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(process)
        for log in self.files:
            log.close()

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.folder.glob("worker-*.log")))


@pytest.fixture
def workers(database_url, components, real_commits, tmp_path):
    pool = Workers(database_url, components, tmp_path)
    yield pool
    pool.stop_all()
