"""Every setting the code reads is declared in settings.py, and every environment variable
settings.py reads is documented in the README's configuration table.

Both are read from the source (``ast``), not imported, so a setting read only on a rare path, or
only under a condition, is found as well.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import global_settings

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "trustmart"
SETTINGS = SOURCE / "settings.py"
README = ROOT / "README.md"
ENV_READERS = {"env_bool", "env_int", "env_list", "env_str"}
DJANGO_SETTINGS = {name for name in dir(global_settings) if name.isupper()}


def _is_settings(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "settings") or (
        isinstance(node, ast.Attribute) and node.attr == "settings")


def settings_read(tree: ast.AST) -> set[str]:
    """``settings.X`` and ``getattr(settings, "X", ...)`` in one module."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.isupper() and _is_settings(node.value):
            names.add(node.attr)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in {"getattr", "hasattr"} and len(node.args) >= 2
              and _is_settings(node.args[0]) and isinstance(node.args[1], ast.Constant)
              and isinstance(node.args[1].value, str)):
            names.add(node.args[1].value)
    return names


def settings_declared(tree: ast.Module) -> set[str]:
    """Upper-case names assigned at module level of settings.py (also inside if/else)."""
    names: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            targets: list[ast.expr] = []
            if isinstance(statement, ast.Assign):
                targets = statement.targets
            elif isinstance(statement, ast.AnnAssign):
                targets = [statement.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name) and node.id.isupper():
                        names.add(node.id)
            if isinstance(statement, ast.If | ast.Try):
                visit(statement.body)
                visit(statement.orelse)
                for handler in getattr(statement, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return names


def env_vars_read(tree: ast.AST) -> set[str]:
    """``env_int("X", ...)``, ``os.environ.get("X")``, ``os.environ["X"]``, ``os.getenv("X")``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            reader = (isinstance(func, ast.Name) and func.id in ENV_READERS) or (
                isinstance(func, ast.Attribute) and (
                    (func.attr == "get" and ast.unparse(func.value) == "os.environ")
                    or ast.unparse(func) == "os.getenv"))
            if reader and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        elif (isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
              and isinstance(node.slice, ast.Constant)):
            names.add(str(node.slice.value))
    return names


def readme_table_names() -> set[str]:
    """Every ``NAME`` written in the first column of the README's configuration table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*\*?)`", first_cell))
    return names


def _documented(name: str, documented: set[str]) -> bool:
    return name in documented or any(
        entry.endswith("*") and name.startswith(entry[:-1]) for entry in documented)


def test_every_setting_the_code_reads_is_declared() -> None:
    declared = settings_declared(ast.parse(SETTINGS.read_text(encoding="utf-8")))
    missing: dict[str, list[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if path == SETTINGS or "migrations" in path.parts:
            continue
        for name in settings_read(ast.parse(path.read_text(encoding="utf-8"))):
            if name not in declared and name not in DJANGO_SETTINGS:
                missing.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"read but not declared in settings.py: {missing}"


def test_every_environment_variable_is_documented() -> None:
    documented = readme_table_names()
    read = env_vars_read(ast.parse(SETTINGS.read_text(encoding="utf-8")))
    # Only the test settings set this one; it is not configuration.
    read.discard("TRUSTMART_TESTING")
    missing = sorted(name for name in read if not _documented(name, documented))
    assert not missing, f"settings.py reads these but the README's table omits them: {missing}"


def test_the_checks_find_what_they_look_for() -> None:
    """The parsers themselves: a read, a declaration, an env var and a table row."""
    module = ast.parse("from django.conf import settings\n"
                       "a = settings.FOO_BAR\nb = getattr(settings, 'BAZ', 1)\n")
    assert settings_read(module) == {"FOO_BAR", "BAZ"}
    declared = ast.parse("X = 1\nif True:\n    Y = env_int('Y_ENV', 2)\nelse:\n    Z = 3\n")
    assert settings_declared(declared) == {"X", "Y", "Z"}
    assert env_vars_read(declared) == {"Y_ENV"}
    assert env_vars_read(ast.parse("import os\na = os.environ.get('A')\nb = os.environ['B']\n"
                                   "c = os.getenv('C')\n")) == {"A", "B", "C"}
    assert "DATABASE_URL" in readme_table_names()
    assert _documented("WECHATPAY_MCHID", {"WECHATPAY_*"})
