"""The README's commands work as written: every `chibo …` line of its code blocks is run, in order."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import NOW_ENV
from bot.config import CONFIG_ENV, TOKEN_ENV

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
NEEDS_TELEGRAM = {"run"}  # `chibo run` talks to the real Telegram


def readme_commands(text: str) -> list[list[str]]:
    """Every `chibo` command in the README's fenced code blocks, as argument lists, in order.

    A line may chain commands with && and start with VAR=value assignments; `.venv/bin/chibo` counts.
    """
    commands = []
    # Shell blocks only: the layout sketch and other blocks are not commands.
    for block in re.findall(r"^```(?:sh|bash|console)\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words:
                part, words = (
                    (words[: words.index("&&")], words[words.index("&&") + 1 :])
                    if "&&" in words
                    else (words, [])
                )
                while part and re.fullmatch(r"[A-Z_]+=.*", part[0]):
                    part = part[1:]
                if part and Path(part[0]).name == "chibo":
                    commands.append(part[1:])
    return commands


def test_the_readme_commands_are_found() -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert ["demo"] in commands and ["run"] in commands
    assert sum(command[:2] == ["import", "members"] for command in commands) == 1


def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    # The README's paths are relative to the repository: give the samples the same place here.
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "samples").symlink_to(ROOT / "bot" / "samples")
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{(tmp_path / "chibo.db").as_posix()}"\n')
    env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, CONFIG_ENV, NOW_ENV, "PYTHONPATH")}
    env.update({"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", NOW_ENV: "26/11/2026 10:00"})
    ran = []
    for command in readme_commands(README.read_text(encoding="utf-8")):
        if command[0] in NEEDS_TELEGRAM:
            continue
        result = subprocess.run(
            [sys.executable, "-m", "bot", *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
        shown = "chibo " + shlex.join(command)
        assert "Traceback" not in result.stdout + result.stderr, shown
        assert result.returncode == 0, f"{shown}: {result.stderr}"
        ran.append(shown)
    assert len(ran) >= 10
    assert (tmp_path / "ma-moi.xlsx").exists()
