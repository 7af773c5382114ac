"""The feedback platform: create_app builds the Flask application."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Config, Flask

from feedback.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]


def create_app(config: Mapping | None = None) -> Flask:
    """Build the application: the core's defaults, then the plugins' defaults, then FEEDBACK_*
    environment variables, then ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    explicit = configure_settings(app, config)
    configure_extensions(app)
    configure_plugins(app, explicit)
    configure_jobs(app)
    configure_templates(app)
    configure_errors(app)
    configure_inputs(app)
    configure_deployment(app)
    configure_security(app)
    return app


def configure_settings(app: Flask, config: Mapping | None) -> Config:
    """The core's defaults under what the environment and the caller set; returns the latter."""
    from feedback.config import API_SETTINGS, DEFAULTS

    explicit = Config(app.root_path)
    explicit.from_prefixed_env("FEEDBACK")
    if config:
        explicit.update(config)
    app.config.update(DEFAULTS)
    app.config.update(API_SETTINGS)
    app.config.update(explicit)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "feedback.db")
    if not app.config["SECRET_KEY"]:
        if not (app.debug or app.testing):
            raise RuntimeError(
                "FEEDBACK_SECRET_KEY is not set. Set it to a long random string, e.g. "
                "export FEEDBACK_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        app.config["SECRET_KEY"] = "debug-only-secret-key"  # nosec B105  # debug and tests only
    app.config["RATELIMIT_KEY_PREFIX"] = "feedback"
    return explicit


def configure_extensions(app: Flask) -> None:
    from feedback import i18n
    from feedback.extensions import babel, csrf, db, login_manager

    db.init_app(app)
    _migrations_when_asked(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.LOGIN_REQUIRED
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        from feedback.auth.services import user_for_session

        return user_for_session(session_id)

    with app.app_context():
        _tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
        _tune_postgresql(db.engine)
    # Import every core model so that the metadata (and Alembic's autogenerate) sees all tables;
    # the plugin manager imports every built-in plugin's models, switched off or not.
    import feedback.models  # noqa: F401


def _init_migrations(app: Flask) -> None:
    from flask_migrate import Migrate

    from feedback.extensions import db

    # Inside the package, so that an installed wheel can upgrade its database too.
    Migrate().init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
                       render_as_batch=True, compare_type=True, render_item=_render_migration_item,
                       include_name=_outside_the_models)


class _Extensions(dict):
    """``app.extensions``, where Flask-Migrate's entry is made when first read: Alembic (with Mako
    and Pygments) costs a web worker some 11 MB and a second of start-up, and only the ``flask db``
    commands, the doctor and the tests' migrations need it."""

    def __init__(self, app: Flask, *args):
        super().__init__(*args)
        self._app = app

    def __missing__(self, key):
        if key != "migrate":
            raise KeyError(key)
        _init_migrations(self._app)
        return self[key]


def _migrations_when_asked(app: Flask) -> None:
    """``flask db`` and ``app.extensions["migrate"]`` as Flask-Migrate makes them, Alembic imported
    only when one of them is used."""
    from flask.cli import AppGroup

    class Commands(AppGroup):
        def get_command(self, ctx, name):
            if name == "db" and name not in self.commands:
                app.extensions["migrate"]  # noqa: B018 - made when first read; adds Flask-Migrate's group
            return super().get_command(ctx, name)

        def list_commands(self, ctx):
            return sorted({*super().list_commands(ctx), "db"})

    commands = Commands(name=app.cli.name)
    for command in app.cli.commands.values():
        commands.add_command(command)
    app.cli = commands
    app.extensions = _Extensions(app, app.extensions)


def _render_migration_item(type_, obj, autogen_context):
    """Write our column types (TypeDecorators) as the plain SQLAlchemy type they store."""
    from sqlalchemy.types import TypeDecorator

    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl.__class__.__name__}()"
    return False


def _outside_the_models(name, type_, parent_names) -> bool:
    """What autogenerate compares: not the full-text tables a migration makes outside the models
    (named ``*_fts``, with SQLite's shadow tables ``*_fts_*``)."""
    return not (type_ == "table" and name is not None and (name.endswith("_fts") or "_fts_" in name))


def _tune_postgresql(engine) -> None:
    """No JIT compilation: our statements are short, and PostgreSQL compiled some of them (counts over a
    month of a province's items, estimated costly) for longer than they ran (164 ms for a 125 ms count)."""
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def _tune_sqlite(engine, busy_timeout: float) -> None:
    """WAL, a busy timeout and foreign keys for the embedded SQLite database."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event
    from sqlalchemy.exc import DBAPIError

    from feedback.transaction import busy, is_transient

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # SQLAlchemy, not the driver, opens transactions (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(float(busy_timeout) * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another writer got there first; taking the write lock at the start makes
        # concurrent writers wait their turn (busy_timeout) instead. Public pages that only read
        # (GET, HEAD) keep deferred transactions, so they never queue behind writers (WAL); staff
        # pages may write on GET (the log of who viewed personal data), so they take the lock.
        from flask import has_request_context, request

        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # no transaction wanted (a migration switching foreign keys off)
        # feedback.storage removes files in a transaction that only reads, but must wait for writers.
        reading = (not connection.get_execution_options().get("feedback_write_lock")
                   and has_request_context() and request.method in ("GET", "HEAD")
                   and not request.path.startswith(("/staff/", "/admin/")))
        try:
            connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
        except DBAPIError as error:
            # Still locked after busy_timeout: the transaction boundary tries again, or answers
            # 503 with Retry-After (feedback.transaction).
            if is_transient(error):
                raise busy() from error
            raise


def configure_plugins(app: Flask, explicit: Mapping) -> None:
    from feedback.pluginmanager import build_plugin_manager, default_settings

    pm = build_plugin_manager(app.config)
    app.extensions["feedback.plugins"] = pm
    # A plugin's defaults sit between the core's and what the environment or the caller set.
    for key, value in default_settings(pm).items():
        if key not in explicit:
            app.config[key] = value
    for blueprints in pm.hook.feedback_register_blueprints(app=app):
        for blueprint in blueprints or ():
            app.register_blueprint(blueprint)
    pm.hook.feedback_register_commands(cli=app.cli, app=app)
    # After every blueprint is in, so that the marked views of plugins are limited too.
    from feedback import ratelimit

    ratelimit.init_app(app)


def configure_jobs(app: Flask) -> None:
    from feedback import jobs

    jobs.init_app(app)


def configure_templates(app: Flask) -> None:
    from feedback import templating

    templating.init_app(app)


def configure_inputs(app: Flask) -> None:
    from feedback import inputs

    inputs.init_app(app)


def configure_errors(app: Flask) -> None:
    from feedback import errorpages

    errorpages.init_app(app)


def configure_deployment(app: Flask) -> None:
    """Behind reverse proxies, and with static files under fingerprinted names."""
    from feedback import assets

    proxies = int(app.config["PROXY_COUNT"] or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)
    assets.init_app(app)


def configure_security(app: Flask) -> None:
    from feedback import httpcache, security

    httpcache.init_app(app)
    security.init_app(app)
