"""Fixtures: a real migrated database per backend (SQLite and a throwaway PostgreSQL), one app per
backend for the whole session, and a transaction rolled back at the end of each test.

The Warehouse way: each test gets a connection with a transaction open on it, and every session of
every app built on the test database during the test (the shared app, ``make_app``'s, a command's)
joins that transaction through a savepoint, so the code's own ``commit()`` releases a savepoint and
its ``rollback()`` goes back to one. Jobs queued with ``feedback.jobs.enqueue`` still run after the
outermost commit of their session. At the end of the test the transaction is rolled back: nothing
to empty.

A test whose commits other connections or processes must see (gunicorn, RQ workers, several
threads) asks for the ``real_commits`` fixture, directly or through a fixture: its commits are real
and every table is emptied afterwards. Helpers are in ``tests/helpers.py``.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import os
import re
import sys

import pytest
from flask import has_app_context, has_request_context
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url

from feedback import create_app
from feedback.items.audit import DROP_TRIGGERS, TRIGGERS
from feedback.extensions import db as _db
from tests.helpers import ARTIFACTS, BACKENDS, CHROMIUM, DESK, KIOSK, PASSWORD, PHONE, Auth, ThrowawayPostgres, Visit, \
    base_config, free_port, running, save_page



def upgrade(url: str) -> None:
    from flask_migrate import upgrade as alembic_upgrade

    app = create_app(base_config(url))
    with app.app_context():
        alembic_upgrade()
        _db.engine.dispose()


@functools.lru_cache(maxsize=64)
def _key(url) -> str:
    """One spelling of a database URL (a string or an engine's URL), to compare them."""
    return make_url(url).render_as_string(hide_password=False)


# --- sessions that join the test's transaction --------------------------------------------------


class _Joined:
    """The open test transactions: database URL (as rendered by ``_key``) -> the connection that holds it."""

    connections: dict = {}


def _joining_session_class(base):
    class JoiningSession(base):
        """Flask-SQLAlchemy's session, which uses the test's connection when the test holds one on
        the database its engine points at (Flask-SQLAlchemy 3 always answers with the app's engine)."""

        def get_bind(self, *args, **kwargs):
            bind = super().get_bind(*args, **kwargs)
            if _Joined.connections and isinstance(bind, Engine):
                return _Joined.connections.get(_key(bind.url), bind)
            return bind

    return JoiningSession


@pytest.fixture(scope="session", autouse=True)
def _sessions_join_the_test_transaction():
    factory = _db.session.session_factory
    original_class, original_kw = factory.class_, dict(factory.kw)
    factory.class_ = _joining_session_class(original_class)
    # Only applies when the bind is a connection already in a transaction (the test's).
    factory.kw["join_transaction_mode"] = "create_savepoint"
    yield
    factory.class_ = original_class
    factory.kw.clear()
    factory.kw.update(original_kw)


# --- databases and apps ---------------------------------------------------------------------------


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


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory):
    """The settings of the apps the fixtures build: ``base_config``, and e-mails written out of the
    repository (the embedded default writes them to instance/mail)."""
    mail = tmp_path_factory.mktemp("mail")

    def settings(url: str) -> dict:
        return {**base_config(url), "MAIL_OUTBOX_FOLDER": str(mail)}

    return settings


@pytest.fixture(scope="session")
def shared_apps(database_urls, app_settings):
    """The app of each backend, built once for the session (``app`` resets what a test may change)."""
    apps = {}

    def get(backend: str):
        if backend not in apps:
            app = create_app(app_settings(database_urls[backend]))
            # create_app puts feedback.config.DEFAULTS' own dicts and lists in app.config: copies,
            # so that a test changing one in place cannot change the defaults of every later app.
            app.config.update(copy.deepcopy(dict(app.config)))
            apps[backend] = app
        return apps[backend]

    yield get
    for backend, app in apps.items():
        with app.app_context():
            left = {table.name: count for table in _db.metadata.sorted_tables
                    if (count := _db.session.scalar(select(func.count()).select_from(table)))}
            _db.session.remove()
            _db.engine.dispose()
        # A write that escaped its test's transaction (an engine used directly, a thread...).
        assert not left, f"rows left behind in the {backend} test database: {left}"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def real_commits():
    """Ask for it (directly or through a fixture) when other connections or processes must see the
    test's commits: the test runs without a surrounding transaction, and every table is emptied
    afterwards. Slower: use it only for gunicorn, workers, threads and the like."""


@pytest.fixture
def database_url(request, backend, database_urls, shared_apps):
    """The test database's URL; unless the test asks for ``real_commits``, a transaction is open
    on it for the test, joined by every app's sessions, and rolled back at the end."""
    url = database_urls[backend]
    shared = shared_apps(backend)
    if "real_commits" in request.fixturenames:
        yield url
        with shared.app_context():
            _empty(_db)
        return
    with shared.app_context():
        engine = _db.engine
    connection = engine.connect()
    transaction = connection.begin()
    _Joined.connections[_key(url)] = connection
    try:
        yield url
    finally:
        del _Joined.connections[_key(url)]
        transaction.rollback()
        connection.close()


@pytest.fixture
def savepoint(database_url):
    """A context manager: whatever the app commits inside it is undone at its end, while the test's
    own transaction goes on (to play many requests against one scene)."""
    connection = _Joined.connections[_key(database_url)]

    @contextlib.contextmanager
    def undone():
        nested = connection.begin_nested()
        try:
            yield
        finally:
            nested.rollback()

    return undone


@pytest.fixture
def app(backend, shared_apps, database_url):
    """The session-wide app of the backend; its settings, plugins and rate limits are put back after
    the test (set ``app.config`` freely for settings read at run time; use ``make_app`` for others)."""
    app = shared_apps(backend)
    config = copy.deepcopy(dict(app.config))
    pm = app.extensions["feedback.plugins"]
    plugins = {name for name, _plugin in pm.list_name_plugin()}
    yield app
    app.config.clear()
    app.config.update(config)
    for name, _plugin in pm.list_name_plugin():
        if name not in plugins:
            pm.unregister(name=name)
    limiter = app.extensions["feedback.limiter"]
    if limiter.enabled:  # off in base_config, but a counted request must not limit the next test
        limiter.reset()


@pytest.fixture
def masked_at_once(app):
    """Public texts masked and published at once (``REGISTER_PUBLICATION = "masked"``), for tests of
    what the public pages show rather than of the staff review that comes first by default."""
    app.config["REGISTER_PUBLICATION"] = "masked"
    return app


@pytest.fixture
def make_app(database_url, app_settings):
    """Build another app on the test database, with other settings (those read at start-up)."""
    apps = []

    def make(**overrides):
        app = create_app({**app_settings(database_url), **overrides})
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            _db.engine.dispose()


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
        # The event log refuses DELETE (feedback.items.audit): its triggers are put back once it is empty.
        for statement in DROP_TRIGGERS["sqlite"]:
            cursor.execute(statement)
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        for statement in TRIGGERS["sqlite"]:
            cursor.execute(statement)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    finally:
        raw.close()


@pytest.fixture(autouse=True)
def _no_context_left_behind():
    """An app or request context left pushed would carry ``g``, the session and the signed-in user
    of one test into the next one on the shared app."""
    yield
    assert not has_request_context(), "a test left a request context pushed"
    assert not has_app_context(), "a test left an app context pushed"


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
        if pm.has_plugin(name):
            pm.unregister(name=name)


# --- people -------------------------------------------------------------------------------------


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


@pytest.fixture
def people(app, staff):
    """The staff fixture plus a head for the province and the commune, a deputy and a commune officer."""
    from feedback.auth.services import create_user
    from feedback.units.services import get_unit

    with app.app_context():
        province, dept, commune = get_unit("P"), get_unit("P.STP"), get_unit("P.XA")
        create_user("tinh@example.vn", PASSWORD, "head", unit=province, name="Trần Quốc Tỉnh", title="Chủ tịch")
        create_user("xa@example.vn", PASSWORD, "head", unit=commune, name="Phạm Thị Xã", title="Chủ tịch UBND xã")
        create_user("pho@example.vn", PASSWORD, "officer", unit=dept, name="Hoàng Văn Phó", title="Phó Giám đốc")
        create_user("canbo.xa@example.vn", PASSWORD, "officer", unit=commune, name="Đỗ Văn Cán")
        _db.session.commit()
    return staff


@pytest.fixture
def sipas(app, staff):
    """The SIPAS-style template survey, published; returns its id."""
    from feedback.surveys.builder import create_from_template

    with app.app_context():
        survey = create_from_template(publish_it=True)
        _db.session.commit()
        return survey.id


@pytest.fixture
def auth(client):
    return Auth(client)



# --- a real browser against a real server ---------------------------------------------------------


@pytest.fixture
def server(database_url, app, real_commits, tmp_path):
    """gunicorn serving the test database on a free loopback port (its commits are real, so the
    test's are too); jobs run inline after each request, e-mails go to files. Returns its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": database_url, "FEEDBACK_SECRET_KEY": "browser-test",
           "FEEDBACK_RATELIMIT_ENABLED": "false", "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false",
           "FEEDBACK_PUBLIC_BASE_URL": base, "FEEDBACK_MAIL_OUTBOX_FOLDER": str(tmp_path / "mail"),
           "FEEDBACK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "2", "--worker-class", "gthread",
               "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    with running(command, tmp_path / "gunicorn.log", name="gunicorn", env=env, url=base + "/api/v1/units"):
        yield base


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, started once for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


SCREENS = {"phone": PHONE, "desk": DESK, "kiosk": KIOSK}


@pytest.fixture
def browse(request, chromium, server):
    """``browse(screen="phone"|"desk"|"kiosk", javascript=True, locale="vi-VN")``: a new browser
    (own cookies) on the test's server, as a ``Visit`` whose pages are all checked by axe-core. When
    the test fails, the screenshot and HTML of each page are saved (the report says where)."""
    contexts, visits = [], []

    def open_visit(screen: str = "phone", javascript: bool = True, locale: str = "vi-VN", **options) -> Visit:
        context = chromium.new_context(**SCREENS[screen], java_script_enabled=javascript, locale=locale,
                                       accept_downloads=True, **options)
        contexts.append(context)
        auditor = None
        if not javascript:
            # axe-core cannot run in a page without JavaScript: a twin browser checks its documents.
            twin = chromium.new_context(**SCREENS[screen], locale=locale)
            contexts.append(twin)
            auditor = twin.new_page()
        visit = Visit(context.new_page(), server, name=f"{screen}{'' if javascript else '-nojs'}-{len(visits) + 1}",
                      auditor=auditor)
        visits.append(visit)
        return visit

    request.node.browser_visits = visits
    yield open_visit
    try:
        failed = getattr(request.node, "browser_failed", False)
        unchecked = {visit.name: visit.unchecked() for visit in visits if visit.unchecked()}
        if not failed:
            assert not unchecked, f"pages loaded but not checked with axe-core: {unchecked}"
    finally:
        for context in contexts:
            context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    visits = getattr(item, "browser_visits", None)
    if report.when == "call" and report.failed and visits:
        item.browser_failed = True
        folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.nodeid)
        lines = []
        for visit in visits:
            try:
                picture, html = save_page(visit.page, folder, visit.name)
                lines.append(f"{visit.name} at {visit.page.url}: {picture} and {html}")
            except Exception as error:  # the page may have crashed: say so, keep the report
                lines.append(f"{visit.name}: could not be saved ({error!r})")
        report.sections.append(("browser pages", "\n".join(lines)))
    return report
