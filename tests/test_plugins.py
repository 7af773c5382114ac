"""The plugin system: loading (core, entry points), switching off, isolation, and the hook contract."""

from __future__ import annotations

import importlib
import inspect
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import Markup
from sqlalchemy import func, select

from feedback import create_app, hookimpl, hookspecs
from feedback.pluginmanager import CORE_PLUGINS, Builtin, PluginError, describe, fire_event, hookspec_functions
from feedback.templating import UnknownSlot, render_slot
from tests.helpers import base_config

HERE = Path(__file__).parent


def hook_functions() -> dict:
    """Every hook the core and the built-in plugins specify (their hookspecs modules), name → spec."""
    modules = [hookspecs] + [importlib.import_module(f"feedback.plugins.{path.parent.name}.hookspecs")
                             for path in sorted((HERE.parent / "feedback" / "plugins").glob("*/hookspecs.py"))]
    return {name: value for module in modules for name, value in inspect.getmembers(module)
            if name.startswith("feedback_") and callable(value)}


def hook_names():
    return sorted(hook_functions())


def test_the_plugin_manager_knows_every_hook_of_the_core_and_the_builtin_plugins(app):
    assert set(hookspec_functions(app.extensions["feedback.plugins"])) == set(hook_names())


def test_every_hook_is_documented_and_tested():
    tests = "\n".join(path.read_text(encoding="utf-8") for path in HERE.rglob("test_*.py"))
    for name, function in hook_functions().items():
        doc = function.__doc__ or ""
        assert len(doc.strip()) > 80, f"{name} needs a docstring that documents it"
        assert ":param" in doc or "Return" in doc, f"{name}'s docstring says nothing of its arguments"
        assert re.search(rf"def test_hook_{name}\b", tests), f"no test_hook_{name} in tests/"


def test_hooks_are_prefixed_and_called_with_keywords_only():
    source = "\n".join(path.read_text(encoding="utf-8") for path in (HERE.parent / "feedback").rglob("*.py"))
    calls = re.findall(r"hook(?:\(\))?\.(feedback_\w+)\(([^)]*)\)", source)
    assert calls, "the core calls hooks"
    for name, args in calls:
        assert name in hook_names(), f"{name} is called but not specified"
        for arg in filter(None, (a.strip() for a in args.split(","))):
            assert "=" in arg, f"{name} called with a positional argument: {arg}"


def test_core_parts_are_loaded_and_listed(app):
    rows = {row["name"]: row for row in describe(app.extensions["feedback.plugins"])}
    for name, module in CORE_PLUGINS:
        assert rows[name]["kind"] == "core"
        assert rows[name]["module"] == module
    assert "feedback_register_blueprints" in rows["core.api"]["hooks"]


def test_plugins_command_lists_plugins_and_hooks(runner):
    result = runner.invoke(args=["plugins"])
    assert result.exit_code == 0, result.output
    assert "core.units  [core]  feedback.units.plugin" in result.output
    assert "    feedback_register_commands" in result.output


def test_core_parts_cannot_be_switched_off(database_url):
    with pytest.raises(PluginError, match="core.auth"):
        create_app({**base_config(database_url), "DISABLED_PLUGINS": ["core.auth"]})


def test_plugin_with_unknown_hook_is_refused_with_its_name(database_url, monkeypatch):
    class Typo:
        @hookimpl
        def feedback_item_filled(self, item):  # misspelt hook name
            return None

    monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS", (Builtin("typo", "tests.fake_typo"),))
    monkeypatch.setitem(sys.modules, "tests.fake_typo", Typo())
    with pytest.raises(PluginError, match="typo"):
        create_app(base_config(database_url))


def test_builtin_plugin_that_fails_to_import_stops_startup_naming_it(database_url, monkeypatch):
    monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS", (Builtin("broken", "feedback.no_such_module"),))
    with pytest.raises(PluginError, match=r"plugin 'broken' \(feedback.no_such_module\) failed to load"):
        create_app(base_config(database_url))


def test_builtin_plugin_can_be_switched_off(database_url, monkeypatch):
    monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS", (Builtin("broken", "feedback.no_such_module"),))
    app = create_app({**base_config(database_url), "DISABLED_PLUGINS": "broken"})
    assert not app.extensions["feedback.plugins"].has_plugin("broken")


@pytest.fixture(scope="module")
def installed_sample_plugin(tmp_path_factory):
    """pip-install the sample plugin package into a folder, as a third party would ship it."""
    target = tmp_path_factory.mktemp("site")
    source = shutil.copytree(HERE / "sample_plugin", tmp_path_factory.mktemp("src") / "sample_plugin")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    return target


def test_entry_point_plugin_is_loaded_and_called(installed_sample_plugin, database_url, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_sample_plugin))
    app = create_app({**base_config(database_url), "LOAD_ENTRY_POINT_PLUGINS": True})
    pm = app.extensions["feedback.plugins"]
    assert pm.has_plugin("sample")
    assert {"name": "sample", "kind": "installed"}.items() <= next(r for r in describe(pm) if r["name"] == "sample").items()

    page = app.test_client().get("/")
    assert page.status_code == 200
    # The plugin returned plain text: it is shown escaped, never as markup.
    assert "&lt;b&gt;Sample plugin says xin chào&lt;/b&gt;" in page.text
    result = app.test_cli_runner().invoke(args=["sample-hello"])
    assert result.output.strip() == "hello from the sample plugin"


def test_entry_point_plugin_can_be_switched_off(installed_sample_plugin, database_url, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_sample_plugin))
    app = create_app({**base_config(database_url), "LOAD_ENTRY_POINT_PLUGINS": True, "DISABLED_PLUGINS": ["sample"]})
    assert not app.extensions["feedback.plugins"].has_plugin("sample")
    assert "Sample plugin" not in app.test_client().get("/").text


def test_entry_points_are_not_loaded_when_switched_off(installed_sample_plugin, database_url, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_sample_plugin))
    app = create_app(base_config(database_url))
    assert not app.extensions["feedback.plugins"].has_plugin("sample")


def test_hook_feedback_template_slot(app, register_plugin):
    class Slots:
        @hookimpl
        def feedback_template_slot(self, name, context):
            if name == "unit.after_details":
                return Markup("<p class='from-plugin'>%s</p>") % context["unit"].name
            if name == "layout.footer":
                return "<script>alert(1)</script>"
            return None

    register_plugin(Slots())
    with app.test_request_context("/"):
        class FakeUnit:
            code = "P.STP"
            name = "Sở <Tư pháp>"

        # Built-in plugins fill this place too (the reports plugin links the unit's scorecard).
        assert "<p class='from-plugin'>Sở &lt;Tư pháp&gt;</p>" in render_slot("unit.after_details", unit=FakeUnit())
        assert render_slot("layout.footer") == "&lt;script&gt;alert(1)&lt;/script&gt;"
        assert render_slot("home.after_intro") == ""
        with pytest.raises(UnknownSlot, match="home.afterintro"):
            render_slot("home.afterintro")
    page = app.test_client().get("/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text


def test_hook_feedback_register_blueprints(database_url, monkeypatch):
    from flask import Blueprint

    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/extra", "index", lambda: "extra page")

    class Extra:
        @hookimpl
        def feedback_register_blueprints(self, app):
            return [extra]

    monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS", (Builtin("extra", "tests.fake_extra"),))
    monkeypatch.setitem(sys.modules, "tests.fake_extra", Extra())
    app = create_app(base_config(database_url))
    assert app.test_client().get("/extra").text == "extra page"


class SurveyHooks:
    """The hooks a plugin of surveys would own."""

    @hookspecs.hookspec
    def feedback_survey_closed(self, survey):
        """A survey closed."""


class Surveys:
    @hookimpl
    def feedback_add_hookspecs(self, pm):
        pm.add_hookspecs(SurveyHooks)


class SurveyListener:
    """Listens to the surveys plugin's hook without needing it."""

    def __init__(self):
        self.closed = []

    @hookimpl(optionalhook=True)
    def feedback_survey_closed(self, survey):
        self.closed.append(survey)


def test_hook_feedback_add_hookspecs(database_url, monkeypatch):
    listener = SurveyListener()
    monkeypatch.setitem(sys.modules, "tests.fake_surveys", Surveys())
    monkeypatch.setitem(sys.modules, "tests.fake_listener", listener)
    # The listener is registered before the owner of the hook, and after it: both work.
    for order in ((Builtin("listener", "tests.fake_listener"), Builtin("surveys", "tests.fake_surveys")),
                  (Builtin("surveys", "tests.fake_surveys"), Builtin("listener", "tests.fake_listener"))):
        monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS", order)
        app = create_app(base_config(database_url))
        pm = app.extensions["feedback.plugins"]
        assert "feedback_survey_closed" in hookspec_functions(pm)
        with app.app_context():
            fire_event("feedback_survey_closed", survey="khảo sát quý 1")
        assert listener.closed == ["khảo sát quý 1"]
        listener.closed.clear()

    # The owner switched off: its hook is not specified, and the listener still loads.
    app = create_app({**base_config(database_url), "DISABLED_PLUGINS": ["surveys"]})
    pm = app.extensions["feedback.plugins"]
    assert pm.has_plugin("listener")
    assert "feedback_survey_closed" not in hookspec_functions(pm)


def test_implementing_another_plugins_hook_without_optionalhook_is_refused_when_it_is_off(database_url, monkeypatch):
    class Strict:
        @hookimpl
        def feedback_survey_closed(self, survey):
            return None

    monkeypatch.setitem(sys.modules, "tests.fake_surveys", Surveys())
    monkeypatch.setitem(sys.modules, "tests.fake_strict", Strict())
    monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS",
                        (Builtin("surveys", "tests.fake_surveys"), Builtin("strict", "tests.fake_strict")))
    assert create_app(base_config(database_url)).extensions["feedback.plugins"].has_plugin("strict")
    with pytest.raises(PluginError, match=r"plugin 'strict' implements unknown hook\(s\): feedback_survey_closed"):
        create_app({**base_config(database_url), "DISABLED_PLUGINS": ["surveys"]})


def test_builtin_plugins_own_their_hooks(app):
    from feedback.plugins.accountability import hookspecs as accountability_hooks

    owned = {"feedback_item_reminded", "feedback_item_escalated", "feedback_apology_issued"}
    assert owned <= set(vars(accountability_hooks))
    assert not owned & set(vars(hookspecs))
    assert owned <= set(hookspec_functions(app.extensions["feedback.plugins"]))


def test_hook_feedback_default_settings(database_url, monkeypatch):
    class Settings:
        @hookimpl
        def feedback_default_settings(self):
            return {"SAMPLE_GREETING": "xin chào", "SAMPLE_LIMITS": [1, 2], "PAGE_SIZE": 7}

    monkeypatch.setitem(sys.modules, "tests.fake_settings", Settings())
    monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS", (Builtin("settings", "tests.fake_settings"),))
    app = create_app(base_config(database_url))
    # Above the core's defaults.
    assert (app.config["SAMPLE_GREETING"], app.config["PAGE_SIZE"]) == ("xin chào", 7)
    # Each app has its own copy of a list or dict default.
    app.config["SAMPLE_LIMITS"].append(3)
    assert create_app(base_config(database_url)).config["SAMPLE_LIMITS"] == [1, 2]
    # Below the environment, which is below the caller's mapping.
    monkeypatch.setenv("FEEDBACK_SAMPLE_GREETING", '"chào bạn"')
    monkeypatch.setenv("FEEDBACK_PAGE_SIZE", "25")
    app = create_app({**base_config(database_url), "PAGE_SIZE": 3})
    assert (app.config["SAMPLE_GREETING"], app.config["PAGE_SIZE"]) == ("chào bạn", 3)
    # Switched off, a plugin brings none.
    monkeypatch.delenv("FEEDBACK_SAMPLE_GREETING")
    app = create_app({**base_config(database_url), "DISABLED_PLUGINS": ["settings"]})
    assert "SAMPLE_GREETING" not in app.config and app.config["PAGE_SIZE"] == 25


def test_builtin_plugins_bring_their_settings(make_app):
    app = make_app()
    assert app.config["DEADLINE_DAYS"] == {"complaint": 10, "petition": 15}
    assert app.config["MAIL_PORT"] == 25 and app.config["REGISTER_UNSATISFIED"] == "reopen"
    off = make_app(DISABLED_PLUGINS=["accountability", "notify", "register"])
    assert not {"DEADLINE_DAYS", "APOLOGY_NEW_APPOINTMENT_DAYS", "MAIL_SERVER", "OUTBOX_SWEEP_AFTER_SECONDS",
                "REGISTER_UNSATISFIED"} & set(off.config)
    assert make_app(OFFICE_CLOSES_AT="16:30").config["OFFICE_CLOSES_AT"] == "16:30"


def test_hook_feedback_register_commands(database_url, monkeypatch):
    import click

    class Commands:
        @hookimpl
        def feedback_register_commands(self, cli, app):
            @cli.command("extra-command")
            def extra_command():
                click.echo(f"app is {app.name}")

    monkeypatch.setattr("feedback.pluginmanager.BUILTIN_PLUGINS", (Builtin("commands", "tests.fake_commands"),))
    monkeypatch.setitem(sys.modules, "tests.fake_commands", Commands())
    app = create_app(base_config(database_url))
    assert app.test_cli_runner().invoke(args=["extra-command"]).output.strip() == "app is feedback"


def test_hook_feedback_demo_loaded(runner, register_plugin, db):
    from feedback.units.models import Unit

    seen = []

    class DemoExtra:
        @hookimpl
        def feedback_demo_loaded(self, province, session):
            seen.append(province.code)
            session.add(Unit(code="QN.PLUGIN", name="Đơn vị của plugin", kind="other", parent=province))

    register_plugin(DemoExtra())
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert seen == ["QN"]
    assert db.session.scalar(select(Unit).where(Unit.code == "QN.PLUGIN")).parent.code == "QN"


def test_failing_event_hook_is_isolated_logged_and_rolled_back(app, db, register_plugin, caplog):
    from feedback.units.models import Unit
    from feedback.units.services import create_unit

    class Good:
        @hookimpl
        def feedback_units_merged(self, sources, successor):
            db.session.add(Unit(code="GOOD", name="added by a good plugin"))

    class Bad:
        @hookimpl
        def feedback_units_merged(self, sources, successor, actor):
            db.session.add(Unit(code="BAD", name="added by a bad plugin"))
            db.session.flush()
            raise RuntimeError("boom")

    register_plugin(Good(), name="good-plugin")
    register_plugin(Bad(), name="bad-plugin")
    a = create_unit("A", "Đơn vị A")
    with caplog.at_level(logging.ERROR, logger="feedback.plugins"):
        fire_event("feedback_units_merged", sources=[a], successor=a, actor=None)
    db.session.commit()
    codes = set(db.session.scalars(select(Unit.code)))
    assert codes == {"A", "GOOD"}
    assert "bad-plugin" in caplog.text and "feedback_units_merged" in caplog.text
    assert db.session.scalar(select(func.count(Unit.id))) == 2
