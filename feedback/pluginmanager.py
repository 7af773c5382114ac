"""The plugin manager: core parts first, then built-in plugins, then installed ones.

The core never imports a plugin's modules: built-in plugins are named here as dotted strings and
loaded with importlib, through the same door as a third party's.
"""

from __future__ import annotations

import copy
import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points

import pluggy
from flask import current_app

from feedback import hookspecs
from feedback.extensions import db

# Operators filter on this name for plugin failures; it predates this module's name.
log = logging.getLogger("feedback.plugins")

ENTRY_POINT_GROUP = "feedback.plugins"


@dataclass(frozen=True)
class Builtin:
    """A plugin shipped with the platform: its name, its module of hooks, and its models' module.

    The models are imported whether or not the plugin is switched off, so that the metadata (and
    Alembic's autogenerate) always sees the one migration history's tables.
    """

    name: str
    hooks: str
    models: str | None = None


# The core's own parts register their blueprints and commands through the same hooks as any
# plugin (the FlaskBB way), but they cannot be switched off: the product needs them.
CORE_PLUGINS = (
    ("core.units", "feedback.units.plugin"),
    ("core.auth", "feedback.auth.plugin"),
    ("core.procedures", "feedback.procedures.plugin"),
    ("core.admin", "feedback.admin.plugin"),
    ("core.api", "feedback.api.plugin"),
    ("core.pages", "feedback.pages"),
    ("core.items", "feedback.items.plugin"),
    ("core.obligations", "feedback.obligations.plugin"),
    ("core.surveys", "feedback.surveys.plugin"),
    ("core.cli", "feedback.cli"),
    ("core.demo", "feedback.demo.plugin"),
)

# Policies a province may switch off or replace (FEEDBACK_DISABLED_PLUGINS). Each arrives with
# its capability; registered before entry points so that a third party can override them.
BUILTIN_PLUGINS: tuple[Builtin, ...] = (
    Builtin("accountability", "feedback.plugins.accountability.plugin", "feedback.plugins.accountability.models"),
    Builtin("notify", "feedback.plugins.notify.plugin", "feedback.plugins.notify.models"),
    Builtin("register", "feedback.plugins.register.plugin", "feedback.plugins.register.models"),
    Builtin("dialogues", "feedback.plugins.dialogues.plugin", "feedback.plugins.dialogues.models"),
    Builtin("reports", "feedback.plugins.reports.plugin", "feedback.plugins.reports.models"),
)


class PluginError(RuntimeError):
    """A plugin could not be loaded; the message names it."""


def _disabled(config: Mapping) -> set[str]:
    value = config.get("DISABLED_PLUGINS") or []
    if isinstance(value, str):
        value = value.split(",")
    return {name.strip() for name in value if name.strip()}


def load_builtin_models() -> None:
    """Import every built-in plugin's models, switched off or not (one schema, one history)."""
    for builtin in BUILTIN_PLUGINS:
        if builtin.models:
            try:
                importlib.import_module(builtin.models)
            except Exception as exc:
                raise PluginError(f"plugin {builtin.name!r} ({builtin.models}) failed to load: {exc}") from exc


def build_plugin_manager(config: Mapping) -> pluggy.PluginManager:
    """Create an app's plugin manager; raise PluginError naming any plugin that fails.

    Plugins add their own hookspecs as they register (``feedback_add_hookspecs``, a historic
    hook), so that an implementation of another plugin's hook can be ``optionalhook``.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.hook.feedback_add_hookspecs.call_historic(kwargs={"pm": pm})
    disabled = _disabled(config)

    refused = disabled.intersection(name for name, _ in CORE_PLUGINS)
    if refused:
        raise PluginError(f"core parts cannot be disabled: {', '.join(sorted(refused))}")
    for name in disabled:
        pm.set_blocked(name)

    load_builtin_models()
    modules = CORE_PLUGINS + tuple((builtin.name, builtin.hooks) for builtin in BUILTIN_PLUGINS)
    for name, module in modules:
        if pm.is_blocked(name):
            continue
        _register(pm, name, lambda module=module: importlib.import_module(module), module)

    if config.get("LOAD_ENTRY_POINT_PLUGINS", True):
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
                continue
            _register(pm, ep.name, ep.load, ep.value)

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        unknown = ", ".join(sorted(h.name for h in pm.hook.__dict__.values()
                                   if hasattr(h, "has_spec") and not h.has_spec()
                                   and any(not impl.optionalhook for impl in h.get_hookimpls())))
        raise PluginError(f"plugin {name!r} implements unknown hook(s): {unknown}") from exc
    return pm


def _register(pm, name, load, origin):
    try:
        plugin = load()
        pm.register(plugin, name=name)
    except Exception as exc:  # any failure at start-up must name the plugin
        raise PluginError(f"plugin {name!r} ({origin}) failed to load: {exc}") from exc


def default_settings(pm: pluggy.PluginManager) -> dict:
    """The default settings the loaded plugins bring (``feedback_default_settings``).

    pluggy calls the plugins registered last first; they are applied in the order plugins were
    registered, so that an installed plugin's default wins over a built-in's.
    """
    merged: dict = {}
    for defaults in reversed(pm.hook.feedback_default_settings()):
        # A copy: an app that changes a list or dict setting must not change another app's.
        merged.update(copy.deepcopy(defaults or {}))
    return merged


def plugin_manager() -> pluggy.PluginManager:
    return current_app.extensions["feedback.plugins"]


def hook():
    """The relay to call hooks, with keyword arguments only."""
    return plugin_manager().hook


def fire_event(name: str, **kwargs) -> None:
    """Call every implementation of an event hook, each isolated in a savepoint.

    A failing plugin is logged with its name and its changes are rolled back; the core's own
    change goes on, so that a broken plugin never stops a citizen from filing.
    """
    pm = plugin_manager()
    caller = getattr(pm.hook, name)
    for impl in reversed(caller.get_hookimpls()):
        args = {arg: kwargs[arg] for arg in impl.argnames}
        savepoint = db.session.begin_nested()
        try:
            impl.function(**args)
            savepoint.commit()
        except Exception:
            savepoint.rollback()
            log.exception("plugin %r failed in %s; its changes were rolled back", impl.plugin_name, name)


def run_tick(now=None) -> list[tuple[str, str]]:
    """Call every plugin's feedback_tick, each in its own transaction; a failure is logged, not fatal."""
    from feedback.timeutil import utcnow
    from feedback.transaction import run

    now = now or utcnow()
    results = []
    for impl in reversed(plugin_manager().hook.feedback_tick.get_hookimpls()):
        try:
            summary = run(lambda impl=impl: impl.function(**{arg: now for arg in impl.argnames}))
            results.append((impl.plugin_name, summary or "ok"))
        except Exception:
            log.exception("plugin %r failed in feedback_tick; its changes were rolled back", impl.plugin_name)
            results.append((impl.plugin_name, "failed"))
    return results


def describe(pm: pluggy.PluginManager) -> list[dict]:
    """What is loaded: name, where it comes from, and the hooks it implements."""
    core = {name for name, _ in CORE_PLUGINS}
    builtin = {plugin.name for plugin in BUILTIN_PLUGINS}
    rows = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        kind = "core" if name in core else "built-in" if name in builtin else "installed"
        rows.append({"name": name, "kind": kind, "module": getattr(plugin, "__name__", repr(plugin)), "hooks": hooks})
    return rows


def hookspec_functions(pm: pluggy.PluginManager) -> dict:
    """Every hook specified in ``pm`` (the core's and the loaded plugins'), name → spec function."""
    return {caller.name: caller.spec.function for caller in vars(pm.hook).values()
            if isinstance(caller, pluggy.HookCaller) and caller.spec is not None}
