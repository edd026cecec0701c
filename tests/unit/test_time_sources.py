"""Only bot/clock.py reads the real time; everything else is handed a clock (tests, --now, CHIBO_NOW)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Calls that read the wall clock. time.monotonic is not one: it measures durations, not dates.
REAL_TIME = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("func", "now"),
}


def real_time_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Every `datetime.now(...)`-like call, `from time import time`, or call of system_clock() in a module.

    Code is handed a clock; only a composition root may pass `system_clock` on (uncalled) as the default.
    """
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "system_clock":
            found.append((node.lineno, "system_clock()"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name | ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
            if (owner, node.attr) in REAL_TIME:
                found.append((node.lineno, f"{owner}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                if (node.module, alias.name) in REAL_TIME:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    return found


def modules() -> list[Path]:
    return sorted(p for package in ("bot", "storage") for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    "path",
    [p for p in modules() if p != ROOT / "bot" / "clock.py"],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_no_module_but_the_clock_reads_the_real_time(path: Path) -> None:
    assert real_time_reads(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_real_time_check_sees_every_way_of_reading_it() -> None:
    tree = ast.parse(
        "import datetime, time\n"
        "from time import time as now\n"
        "datetime.datetime.now()\n"
        "datetime.date.today()\n"
        "time.time()\n"
        "func.now()\n"
        "system_clock()\n"
    )
    assert sorted(what for _, what in real_time_reads(tree)) == [
        "date.today",
        "datetime.now",
        "from time import time",
        "func.now",
        "system_clock()",
        "time.time",
    ]


def test_the_clock_itself_is_where_the_real_time_is_read() -> None:
    assert real_time_reads(ast.parse((ROOT / "bot" / "clock.py").read_text(encoding="utf-8"))) != []
