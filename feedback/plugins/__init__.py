"""The plugin manager: core parts first, then built-in plugins, then installed ones."""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

import pluggy
from flask import current_app

from feedback import hookspecs
from feedback.extensions import db

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "feedback.plugins"

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
    ("core.cli", "feedback.cli"),
)

# Policies a province may switch off or replace (FEEDBACK_DISABLED_PLUGINS). Each arrives with
# its capability; registered before entry points so that a third party can override them.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("accountability", "feedback.plugins.accountability.plugin"),
    ("notify", "feedback.plugins.notify.plugin"),
    ("register", "feedback.plugins.register.plugin"),
)


class PluginError(RuntimeError):
    """A plugin could not be loaded; the message names it."""


def _disabled(app) -> set[str]:
    value = app.config.get("DISABLED_PLUGINS") or []
    if isinstance(value, str):
        value = value.split(",")
    return {name.strip() for name in value if name.strip()}


def build_plugin_manager(app) -> pluggy.PluginManager:
    """Create the app's plugin manager; raise PluginError naming any plugin that fails."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    disabled = _disabled(app)

    refused = disabled.intersection(name for name, _ in CORE_PLUGINS)
    if refused:
        raise PluginError(f"core parts cannot be disabled: {', '.join(sorted(refused))}")
    for name in disabled:
        pm.set_blocked(name)

    for name, module in CORE_PLUGINS + BUILTIN_PLUGINS:
        if pm.is_blocked(name):
            continue
        _register(pm, name, lambda module=module: importlib.import_module(module), module)

    if app.config.get("LOAD_ENTRY_POINT_PLUGINS", True):
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
                continue
            _register(pm, ep.name, ep.load, ep.value)

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        unknown = ", ".join(sorted(h.name for h in pm.hook.__dict__.values()
                                   if hasattr(h, "has_spec") and not h.has_spec()))
        raise PluginError(f"plugin {name!r} implements unknown hook(s): {unknown}") from exc
    return pm


def _register(pm, name, load, origin):
    try:
        plugin = load()
        pm.register(plugin, name=name)
    except Exception as exc:  # any failure at start-up must name the plugin
        raise PluginError(f"plugin {name!r} ({origin}) failed to load: {exc}") from exc


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

    now = now or utcnow()
    results = []
    for impl in reversed(plugin_manager().hook.feedback_tick.get_hookimpls()):
        try:
            summary = impl.function(**{arg: now for arg in impl.argnames})
            db.session.commit()
            results.append((impl.plugin_name, summary or "ok"))
        except Exception:
            db.session.rollback()
            log.exception("plugin %r failed in feedback_tick; its changes were rolled back", impl.plugin_name)
            results.append((impl.plugin_name, "failed"))
    return results


def describe(pm: pluggy.PluginManager) -> list[dict]:
    """What is loaded: name, where it comes from, and the hooks it implements."""
    core = {name for name, _ in CORE_PLUGINS}
    builtin = {name for name, _ in BUILTIN_PLUGINS}
    rows = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        kind = "core" if name in core else "built-in" if name in builtin else "installed"
        rows.append({"name": name, "kind": kind, "module": getattr(plugin, "__name__", repr(plugin)), "hooks": hooks})
    return rows
