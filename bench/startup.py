"""How long the `chibo` command takes to start, whole process, from outside.

    .venv/bin/python -m bench.startup [--runs 20] [--root DIR]

Every command a person types pays Python's start plus the imports chibo does before it can answer.
The target is `chibo --help` under 0.3 s. Measured, each as a fresh process (`python -m bot ...`, the
same code as the console script), with a warm-up run first:

- `python -c pass`: the interpreter alone, the floor;
- `chibo --help` and `chibo member list --help`: parsing and help in the config's language;
- `chibo member list --cell ...`: a real read-only command on a small SQLite database (the sample cell),
  which must load the config, SQLAlchemy and the models.

--root runs another checkout's `bot` package (e.g. an older commit unpacked with `git archive`) with this
interpreter, to compare before and after. Prints a Markdown table of wall seconds (median, min, max) and
the children's CPU seconds (median). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELL = "Chi bộ thôn 3"


def timed(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def prepare(folder: Path, env: dict[str, str], root: Path) -> None:
    """A config and a database holding the sample cell, built with the CLI under test."""
    (folder / "config.toml").write_text(f'[database]\nurl = "sqlite+aiosqlite:///{folder / "chibo.db"}"\n')
    samples = ROOT / "bot" / "samples"
    for args in (
        ["unit", "add", "Xã Thái Bình"],
        ["cell", "add", CELL, "--unit", "Xã Thái Bình"],
        ["import", "members", str(samples / "members_thon3.csv"), "--cell", CELL],
    ):
        subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per command (default 20)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose bot package runs")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    with tempfile.TemporaryDirectory(prefix="chibo-startup-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHIBO_")}
        # The checkout under test comes first; CHIBO_NOW keeps the commands off the real date.
        env.update(
            PYTHONPATH=str(root), CHIBO_CONFIG=str(folder / "config.toml"), CHIBO_NOW="26/11/2026 10:00"
        )
        prepare(folder, env, root)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "chibo --help": [sys.executable, "-m", "bot", "--help"],
            "chibo member list --help": [sys.executable, "-m", "bot", "member", "list", "--help"],
            "chibo member list --cell …": [sys.executable, "-m", "bot", "member", "list", "--cell", CELL],
        }
        print(f"runs: {args.runs} each, after one warm-up; bot from {root}\n")
        print("| command | wall median (s) | wall min | wall max | CPU median (s) |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, command in commands.items():
            timed(command, cwd=root, env=env)
            runs = [timed(command, cwd=root, env=env) for _ in range(args.runs)]
            walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
            print(
                f"| `{name}` | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(walls):.3f} "
                f"| {statistics.median(cpus):.3f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
