"""Fixtures: a real migrated database per backend (SQLite and a throwaway PostgreSQL),
an app per test, emptied after each test, and helpers to sign in and plug in plugins."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from feedback import create_app
from feedback.extensions import db as _db

BACKENDS = [name.strip() for name in os.environ.get("FEEDBACK_TEST_BACKENDS", "sqlite,postgresql").split(",") if name.strip()]


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} not found: install PostgreSQL (scripts/test does it with apt-get)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on a free loopback port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="feedback-pg-"))
        self.port = _free_port()
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
        subprocess.run(args, check=True, capture_output=True, timeout=120, cwd=self.dir, **kwargs)

    def start(self) -> str:
        data = self.dir / "data"
        self._run(_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w", "-t", "60", "start")
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "feedback_test")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/feedback_test"

    def stop(self):
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "LOAD_ENTRY_POINT_PLUGINS": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def upgrade(url: str) -> None:
    from flask_migrate import upgrade as alembic_upgrade

    app = create_app(base_config(url))
    with app.app_context():
        alembic_upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One migrated database per backend, built by running the real migration history."""
    urls, cluster = {}, None
    if "sqlite" in BACKENDS:
        urls["sqlite"] = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "feedback.db")
    if "postgresql" in BACKENDS:
        cluster = ThrowawayPostgres()
        urls["postgresql"] = os.environ.get("FEEDBACK_TEST_POSTGRES_URL") or cluster.start()
    try:
        for url in urls.values():
            upgrade(url)
        yield urls
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request, database_urls):
    return database_urls[request.param]


@pytest.fixture
def make_app(database_url):
    """Build more apps on the same database (e.g. with other settings)."""
    apps = []

    def make(**overrides):
        app = create_app({**base_config(database_url), **overrides})
        apps.append(app)
        return app

    yield make
    if apps:
        with apps[0].app_context():
            _empty(_db)
        for app in apps:
            with app.app_context():
                _db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


def _empty(db):
    """Delete every row so the next test starts from the migrated, empty schema."""
    db.session.remove()
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    # SQLite: foreign keys can only be switched off outside a transaction (autocommit driver).
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    finally:
        raw.close()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def register_plugin(app):
    """Register a plugin object on the app's manager for one test."""
    pm = app.extensions["feedback.plugins"]
    names = []

    def register(plugin, name=None):
        names.append(pm.register(plugin, name=name))
        return plugin

    yield register
    for name in names:
        pm.unregister(name=name)


PASSWORD = "correct horse battery"


@pytest.fixture
def staff(app):
    """A small unit tree with an administrator, a head and an officer."""
    from feedback.auth.services import create_user
    from feedback.units.services import create_unit

    with app.app_context():
        since = dt.date(2025, 7, 1)
        province = create_unit("P", "Ủy ban nhân dân tỉnh Thử nghiệm", "province", valid_from=since)
        dept = create_unit("P.STP", "Sở Tư pháp", "department", parent=province, valid_from=since)
        commune = create_unit("P.XA", "Ủy ban nhân dân xã Cô Tô", "commune", parent=province, valid_from=since)
        create_user("admin@example.vn", PASSWORD, "admin", name="Quản trị")
        create_user("head@example.vn", PASSWORD, "head", unit=dept, name="Nguyễn Văn Trưởng", title="Giám đốc")
        create_user("officer@example.vn", PASSWORD, "officer", unit=dept, name="Lê Thị Cán Bộ")
        _db.session.commit()
        return {"province": province.code, "dept": dept.code, "commune": commune.code}


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email="admin@example.vn", password=PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)
