"""The production pieces in the repository work as shipped: the sample nginx configuration in front
of gunicorn (fingerprinted static files cached for a year, request size limit, proxy headers that
the app trusts as far as FEEDBACK_PROXY_COUNT says), the systemd units, and rate limits shared
through Redis by every app process."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, RedisServer, fetch, free_port, running

DEPLOY = ROOT / "deploy"
TOKEN_REQUEST = {"data": json.dumps({"email": "nobody@example.vn", "password": "wrong"}).encode(),
                 "headers": {"Content-Type": "application/json"}, "method": "POST"}


def token_attempt(base: str, forwarded_for: str | None = None) -> int:
    headers = dict(TOKEN_REQUEST["headers"])
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return fetch(base + "/api/v1/auth/token", **{**TOKEN_REQUEST, "headers": headers})[0]


def nginx_config(tmp_path: Path, listen: int, upstream: int) -> Path:
    """deploy/nginx.conf inside a minimal nginx.conf that runs unprivileged in ``tmp_path``."""
    site = (DEPLOY / "nginx.conf").read_text()
    for old, new in [("listen 80;", f"listen 127.0.0.1:{listen};"), ("listen [::]:80;", ""),
                     ("server 127.0.0.1:8000", f"server 127.0.0.1:{upstream}"),
                     ("/srv/feedback/feedback/static/", f"{ROOT}/feedback/static/"),
                     ("/var/log/nginx/feedback.access.log", f"{tmp_path}/access.log")]:
        assert old in site, f"deploy/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    temp = tmp_path / "temp"
    temp.mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(f"""
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    {site}
}}
""")
    return main


@pytest.fixture
def behind_nginx(database_url, real_commits, tmp_path):
    """gunicorn (the package's configuration, FEEDBACK_PROXY_COUNT=1) behind the sample nginx."""
    app_port, nginx_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK_")}
    env.update({"FEEDBACK_SQLALCHEMY_DATABASE_URI": database_url, "FEEDBACK_SECRET_KEY": "x" * 40,
                "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false", "FEEDBACK_PROXY_COUNT": "1",
                "FEEDBACK_RATELIMIT_LOGIN": "3 per minute", "FEEDBACK_WEB_WORKERS": "1"})
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", "python:feedback.gunicorn_conf", "--bind",
                f"127.0.0.1:{app_port}", "feedback:create_app()"]
    nginx = [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(nginx_config(tmp_path, nginx_port, app_port)),
             "-p", str(tmp_path)]
    app_log = tmp_path / "gunicorn.log"
    with running(gunicorn, app_log, name="gunicorn", env=env, url=f"http://127.0.0.1:{app_port}/"), \
            running(nginx, tmp_path / "nginx.out", name="nginx", url=f"http://127.0.0.1:{nginx_port}/"):
        yield {"nginx": f"http://127.0.0.1:{nginx_port}", "app": f"http://127.0.0.1:{app_port}", "app_log": app_log}


@pytest.mark.slow
def test_nginx_serves_fingerprinted_static_files_for_a_year(behind_nginx):
    status, _headers, body = fetch(behind_nginx["nginx"] + "/")
    assert status == 200
    stylesheet = re.search(r'href="(/static/feedback\.[0-9a-f]{12}\.css)"', body.decode())[1]
    status, headers, css = fetch(behind_nginx["nginx"] + stylesheet)
    assert status == 200 and css == (ROOT / "feedback/static/feedback.css").read_bytes()
    assert headers["Server"].startswith("nginx")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "/static/" not in behind_nginx["app_log"].read_text(), "nginx, not the app, served the file"
    status, headers, _body = fetch(behind_nginx["nginx"] + "/static/feedback.css")
    assert status == 200 and "max-age=3600" in headers["Cache-Control"]


@pytest.mark.slow
def test_nginx_refuses_bodies_over_the_limit_before_the_app(behind_nginx):
    status, headers, body = fetch(behind_nginx["nginx"] + "/file", data=b"x" * (53 * 1024 * 1024), method="POST",
                                  headers={"Content-Type": "application/octet-stream"})
    assert status == 413 and headers["Server"].startswith("nginx")
    assert '"POST /file' not in behind_nginx["app_log"].read_text()


@pytest.mark.slow
def test_behind_one_proxy_the_visitor_cannot_forge_an_address(behind_nginx):
    # nginx appends the address it sees: a forged X-Forwarded-For buys no new rate limit.
    statuses = [token_attempt(behind_nginx["nginx"], forwarded_for=f"198.51.100.{n}") for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    # The app trusts one proxy: reached directly (which gunicorn on loopback prevents), the
    # header would be believed; this is why FEEDBACK_PROXY_COUNT must match the proxies in front.
    assert token_attempt(behind_nginx["app"], forwarded_for="198.51.100.77") == 401


def test_without_proxies_forwarded_headers_are_ignored(make_app, staff):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    body = {"email": "nobody@example.vn", "password": "wrong"}
    statuses = [client.post("/api/v1/auth/token", json=body, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(3)]
    assert statuses == [401, 401, 429]


def test_with_one_proxy_each_forwarded_address_is_counted_apart(make_app, staff):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute", PROXY_COUNT=1)
    client = app.test_client()
    body = {"email": "nobody@example.vn", "password": "wrong"}
    statuses = [client.post("/api/v1/auth/token", json=body, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(3)]
    assert statuses == [401, 401, 401]


def test_rate_limits_are_shared_through_redis(make_app, staff, tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        # Two apps stand for two processes (or machines); without Redis each would count alone.
        first, second = (make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute", REDIS_URL=redis.url)
                         for _ in range(2))
        assert first.config["RATELIMIT_STORAGE_URI"] == redis.url
        body = {"email": "nobody@example.vn", "password": "wrong"}
        assert first.test_client().post("/api/v1/auth/token", json=body).status_code == 401
        assert second.test_client().post("/api/v1/auth/token", json=body).status_code == 401
        assert second.test_client().post("/api/v1/auth/token", json=body).status_code == 429
        assert first.test_client().post("/api/v1/auth/token", json=body).status_code == 429
    finally:
        redis.stop()
    # Redis gone: requests are still answered (counted in memory meanwhile), never a 500.
    assert first.test_client().post("/api/v1/auth/token", json=body).status_code in (401, 429)


def test_each_process_counts_alone_without_redis(make_app, staff):
    first, second = (make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="1 per minute") for _ in range(2))
    assert first.config["RATELIMIT_STORAGE_URI"] == "memory://"
    body = {"email": "nobody@example.vn", "password": "wrong"}
    assert first.test_client().post("/api/v1/auth/token", json=body).status_code == 401
    assert second.test_client().post("/api/v1/auth/token", json=body).status_code == 401


def test_static_files_have_fingerprinted_addresses(app, client):
    with app.test_request_context():
        from flask import url_for

        address = url_for("static", filename="feedback.js")
        assert url_for("static", filename="no-such-file.js") == "/static/no-such-file.js"
    digest = re.fullmatch(r"/static/feedback\.([0-9a-f]{12})\.js", address)[1]
    response = client.get(address)
    assert response.status_code == 200 and response.data == (ROOT / "feedback/static/feedback.js").read_bytes()
    assert response.cache_control.max_age == 31536000 and response.cache_control.immutable
    response.close()
    # An address from before an upgrade: today's file, without the year-long promise.
    stale = client.get(address.replace(digest, "0" * 12))
    assert stale.status_code == 200 and not stale.cache_control.immutable and not stale.cache_control.max_age
    stale.close()
    plain = client.get("/static/feedback.js")
    assert plain.status_code == 200 and not plain.cache_control.immutable
    plain.close()
    assert client.get("/static/nothing.0123456789ab.js").status_code == 404


def test_the_systemd_units_verify(tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    venv_bin = str(Path(sys.executable).parent) + "/"
    for unit in ("feedback-web.service", "feedback-worker@.service"):
        text = (DEPLOY / unit).read_text()
        assert "/srv/feedback/.venv/bin/" in text
        (units / unit).write_text(text.replace("/srv/feedback/.venv/bin/", venv_bin))
    (units / "feedback-worker@1.service").symlink_to(units / "feedback-worker@.service")
    result = subprocess.run(["systemd-analyze", "verify", str(units / "feedback-web.service"),
                             str(units / "feedback-worker@1.service")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), result.stderr
