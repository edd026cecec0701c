"""Architecture boundaries: the domain (bot/, storage/) knows no messenger and no HTTP client.

The fake Bot API (fake_telegram/) stands apart: the domain knows it only through the demo, the real
Telegram edge (handlers/) never imports it, and it imports nothing from the domain.

Checked on the source with `ast`, so a forbidden import is caught even in a module no test imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "storage")
FORBIDDEN = ("telegram", "httpx", "aiohttp", "handlers", "fake_telegram")

# Composition roots: the only modules that wire a messenger adapter (handlers.telegram) into the
# domain. serve.py builds the Telegram application for `chibo run`; demo.py runs the bot against the
# fake Bot API (fake_telegram) for `chibo demo`. Everything else must stay messenger-agnostic.
COMPOSITION_ROOTS = frozenset({"bot/serve.py", "bot/demo.py"})
DEMO = "bot/demo.py"  # the one module of the domain that may import fake_telegram


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def package_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts if path.name == "__init__.py" else parts[:-1]


def imported_modules(path: Path, tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module an import statement (or import_module("...") call) in the tree names, absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_of(path)[: len(package_of(path)) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from handlers import telegram` names handlers.telegram
                yield node.lineno, f"{module}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def is_forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def imports_from(path: Path, packages: set[str]) -> list[str]:
    """The imports in the module at path of anything in the given top-level packages."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        {
            f"line {line}: {module}"
            for line, module in imported_modules(path, tree)
            if module.split(".")[0] in packages
        }
    )


def test_the_composition_roots_exist() -> None:
    assert {relative(p) for p in sources()} >= COMPOSITION_ROOTS


@pytest.mark.parametrize("path", [p for p in sources() if relative(p) not in COMPOSITION_ROOTS], ids=relative)
def test_the_module_imports_no_messenger_or_http_client(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = sorted(
        {f"line {line}: {module}" for line, module in imported_modules(path, tree) if is_forbidden(module)}
    )
    assert offending == []


def test_the_cli_imports_the_composition_roots_only_inside_functions() -> None:
    path = ROOT / "bot" / "cli" / "main.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = {root.removesuffix(".py").replace("/", ".") for root in COMPOSITION_ROOTS}

    def names_a_root(node: ast.AST) -> bool:
        return any(module in roots for _, module in imported_modules(path, node))

    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    lazy = {id(n) for f in functions for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
    eager = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in lazy and names_a_root(node)
    ]
    assert eager == []
    # and it does reach them, lazily: `chibo run` and `chibo demo` need them
    assert {module for _, module in imported_modules(path, tree)} >= roots | {"bot.serve.serve"}


def test_the_boundary_check_sees_every_kind_of_import() -> None:
    tree = ast.parse(
        "import telegram.ext\n"
        "from httpx import AsyncClient\n"
        "from handlers import telegram\n"
        "from fake_telegram import FakeBotAPI\n"
        "import importlib\n"
        "importlib.import_module('aiohttp.web')\n"
    )
    modules = [
        m for _, m in imported_modules(ROOT / "bot" / "services" / "probe.py", tree) if is_forbidden(m)
    ]
    assert {m.split(".")[0] for m in modules} == set(FORBIDDEN)


@pytest.mark.parametrize(
    "path", [p for p in sources() if relative(p) in COMPOSITION_ROOTS - {DEMO}], ids=relative
)
def test_only_the_demo_imports_the_fake_bot_api(path: Path) -> None:
    assert imports_from(path, {"fake_telegram"}) == []


EDGE = sorted((ROOT / "handlers").rglob("*.py"))
FAKE = sorted((ROOT / "fake_telegram").rglob("*.py"))


def test_the_edge_and_the_fake_are_where_the_checks_look() -> None:
    assert ROOT / "handlers" / "telegram" / "app.py" in EDGE
    assert ROOT / "fake_telegram" / "__init__.py" in FAKE
    assert relative(ROOT / DEMO) in COMPOSITION_ROOTS


@pytest.mark.parametrize("path", EDGE, ids=relative)
def test_the_real_telegram_edge_never_imports_the_fake(path: Path) -> None:
    assert imports_from(path, {"fake_telegram"}) == []


@pytest.mark.parametrize("path", FAKE, ids=relative)
def test_the_fake_bot_api_imports_nothing_from_the_domain(path: Path) -> None:
    """It may use Telegram's rules from handlers.telegram.html, but not the bot it stands in front of."""
    assert imports_from(path, {"bot", "storage"}) == []


def test_relative_imports_are_resolved_against_the_modules_package() -> None:
    tree = ast.parse("from ..importing import read_table\nfrom . import people\n")
    modules = [m for _, m in imported_modules(ROOT / "bot" / "services" / "probe.py", tree)]
    assert modules == ["bot.importing", "bot.importing.read_table", "bot.services", "bot.services.people"]


COMMAND_MODULES = sorted((ROOT / "bot" / "commands").rglob("*.py"))


@pytest.mark.parametrize("path", COMMAND_MODULES, ids=relative)
def test_a_command_module_imports_no_storage(path: Path) -> None:
    """Commands parse, call one service and render: queries and tables belong to the services."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = sorted(
        {
            f"line {line}: {module}"
            for line, module in imported_modules(path, tree)
            if module.split(".")[0] == "storage"
        }
    )
    assert offending == []


def test_the_command_check_sees_storage_imports() -> None:
    tree = ast.parse("from storage import repo\nimport storage.models\n")
    path = ROOT / "bot" / "commands" / "probe.py"
    assert {m for _, m in imported_modules(path, tree) if m.split(".")[0] == "storage"} >= {
        "storage",
        "storage.models",
    }
