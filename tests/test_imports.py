"""The boundaries of the house, read from every module's source (ast): no plugin imports another
plugin, the core imports no plugin, a view module is imported only where its blueprint is
registered (so that services, decorators and access checks never live in a view module), and no
view commits or rolls back by hand (feedback.transaction is the one boundary)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "feedback"
PLUGINS = "feedback.plugins"
# Where a blueprint is wired into the app: the one place a view module may be imported.
REGISTRATION_HOOK = "feedback_register_blueprints"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def plugin_of(module: str) -> str | None:
    """The built-in plugin a module belongs to (``register`` for feedback.plugins.register.stats), or None."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and module.startswith(PLUGINS + ".") else None


def is_view_module(tree: ast.Module) -> bool:
    """A module that creates a blueprint at its top level (Flask's or flask-smorest's)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "Blueprint":
                return True
    return False


def imports(tree: ast.Module, module: str, package: bool) -> list[tuple[list[str], int, str | None]]:
    """For every import statement: the modules it may import, its line, and the function it sits in.

    Relative imports are resolved; ``from a.b import c`` may import ``a.b`` and ``a.b.c`` (``c`` may
    be a module), in that order.
    """
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Import):
                found.extend(([alias.name], child.lineno, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".") if package else module.split(".")[:-1]
                    anchor = anchor[:len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                found.append(([base] + [f"{base}.{alias.name}" for alias in child.names], child.lineno, function))
            visit(child, inner)

    visit(tree, None)
    return found


def violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """What breaks the boundaries in ``sources`` (module name → (source, is a package)): one line per
    import statement and kind of breach."""
    trees = {module: ast.parse(source) for module, (source, _package) in sources.items()}
    views = {module for module, tree in trees.items() if is_view_module(tree)}
    problems = []
    for module, tree in trees.items():
        mine = plugin_of(module)
        for targets, line, function in imports(tree, module, sources[module][1]):
            breaches = {}
            for target in targets:
                theirs = plugin_of(target)
                if target == PLUGINS or target.startswith(PLUGINS + "."):
                    if mine is None:
                        breaches.setdefault("the core imports a plugin", target)
                    elif theirs is not None and theirs != mine:
                        breaches.setdefault("a plugin imports another plugin", target)
                if target in views and function != REGISTRATION_HOOK:
                    breaches.setdefault(f"a view module imported outside {REGISTRATION_HOOK}", target)
            problems.extend(f"{module}:{line} imports {target}: {kind}" for kind, target in breaches.items())
    return problems


def package_sources() -> dict[str, tuple[str, bool]]:
    return {module_name(path): (path.read_text(encoding="utf-8"), is_package(path))
            for path in sorted(PACKAGE.rglob("*.py"))}


def test_no_plugin_imports_another_and_the_core_imports_no_plugin_nor_a_view_module():
    sources = package_sources()
    assert len(sources) > 50 and "feedback.plugins.register.stats" in sources
    assert violations(sources) == []


def test_the_plugin_manager_names_every_builtin_plugin_as_a_string():
    from feedback.pluginmanager import BUILTIN_PLUGINS

    for builtin in BUILTIN_PLUGINS:
        assert builtin.hooks.startswith(f"{PLUGINS}.{builtin.name}.")
        assert builtin.models is None or builtin.models.startswith(f"{PLUGINS}.{builtin.name}.")
    source = (PACKAGE / "plugins" / "__init__.py").read_text(encoding="utf-8")
    assert [type(node) for node in ast.parse(source).body] == [ast.Expr], "feedback/plugins/__init__.py is a docstring"


def hand_made_transactions(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Calls of ``commit()`` or ``rollback()`` (of the session or a savepoint) in view modules."""
    found = []
    for module, (source, _package) in sources.items():
        tree = ast.parse(source)
        if not is_view_module(tree):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("commit", "rollback")):
                found.append(f"{module}:{node.lineno} calls {node.func.attr}()")
    return found


def test_views_and_api_handlers_leave_commits_to_the_transaction_boundary():
    sources = package_sources()
    assert hand_made_transactions(sources) == []
    caught = hand_made_transactions({"feedback.items.views": (
        "from flask import Blueprint\nbp = Blueprint('items', __name__)\n"
        "def act():\n    db.session.commit()\n    savepoint.rollback()\n", False)})
    assert caught == ["feedback.items.views:4 calls commit()", "feedback.items.views:5 calls rollback()"]


VIEW = "from flask import Blueprint\nbp = Blueprint('x', __name__)\n"


@pytest.mark.parametrize(("sources", "problem"), [
    ({"feedback.plugins.register.stats": ("from feedback.plugins.accountability.models import Answer\n", False)},
     "feedback.plugins.register.stats:1 imports feedback.plugins.accountability.models: a plugin imports another"),
    ({"feedback.plugins.register.stats": ("from ..accountability import stats\n", False)},
     "imports feedback.plugins.accountability: a plugin imports another plugin"),
    ({"feedback.items.services": ("def f():\n    import feedback.plugins.notify.services\n", False)},
     "feedback.items.services:2 imports feedback.plugins.notify.services: the core imports a plugin"),
    ({"feedback.admin.views": ("from feedback.plugins import hook\n", False)}, "the core imports a plugin"),
    ({"feedback.items.views": (VIEW, False), "feedback.items.services": ("from feedback.items.views import f\n", False)},
     "feedback.items.services:1 imports feedback.items.views: a view module imported outside"),
    ({"feedback.items.views": (VIEW, False), "feedback.items": ("from . import views\n", True)},
     "feedback.items:1 imports feedback.items.views: a view module"),
    ({"feedback.auth.views": (VIEW, False), "feedback.plugins.notify.views": (
        VIEW + "from feedback.auth.views import roles_required\n", False)}, "imports feedback.auth.views: a view module"),
])
def test_the_check_finds_each_kind_of_breach(sources, problem):
    found = violations(sources)
    assert len(found) == 1 and problem in found[0], found


def test_the_check_allows_what_is_inside_the_boundaries():
    sources = {
        "feedback.items.views": (VIEW, False),
        "feedback.items.plugin": ("def feedback_register_blueprints(app):\n    from feedback.items.views import bp\n",
                                  False),
        "feedback.plugins.register.stats": ("from feedback.plugins.register.models import RegisterEntry\n"
                                            "from feedback.pluginmanager import hook\n", False),
        "feedback.plugins.register.views": (VIEW + "from feedback.items.access import filer_item\n", False),
        "feedback.pluginmanager": ("import importlib\nimportlib.import_module('feedback.plugins.register.plugin')\n",
                                   False),
    }
    assert violations(sources) == []
