"""Summarise a py-spy raw profile of chibo's bot process: where each update's CPU goes.

    .venv/bin/python -m bench.pyspy_summary bench/results/updates-....pyspy.txt [--updates N]

`bench.updates --profile` records one step with ``py-spy record --gil --format raw`` (only samples
of the thread holding the GIL: Python doing work, not waiting) and prints this summary. Each sample is
put in one phase of an update's life, by the outermost frame that names it, and the samples inside
``ChatCore.handle`` are split further by the innermost frame that says what kind of work it is (the
first rule that matches, innermost frame first). SQLAlchemy runs the synchronous half of every
statement in a greenlet, whose samples py-spy shows as stacks of their own (rooted at ``Session.get``,
``Session.exec`` ...): they are counted inside handle, which is nearly all the SQL a busy bot runs.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

# (phase, any of these frame substrings), outermost frame first: the first phase found wins.
PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("ChatCore.handle", ("ChatCore.handle ",)),
    (
        "reply: sendMessage (rate limiter, PTB, httpx)",
        ("_deliver ", "Runtime.apply ", "TelegramTransport.send ", "Message.reply_text "),
    ),
    ("getUpdates: fetch and parse updates", ("Updater._start_polling", "polling_action_cb")),
    ("PTB dispatch (filters, tasks, per-chat lock)", ("Application.", "BaseHandler.", "ordered ")),
    ("background jobs (outbox, watchers)", ("apscheduler/", "Deliverer.", "MenuSync.")),
]
THREAD_ROOTS = ("<module>", "Thread._bootstrap")  # the main thread's and other threads' outermost frames
# Inside handle: (kind of work, any of these substrings), innermost frame first.
KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("database driver (aiosqlite hop / asyncpg)", ("aiosqlite/", "asyncpg/", "sqlite3/")),
    ("SQL compile and cache key", ("sqlalchemy/sql/compiler.py", "cache_key.py", "_compile_w_cache")),
    (
        "rows to objects (ORM loading, results)",
        (
            "sqlalchemy/orm/loading.py",
            "sqlalchemy/engine/result.py",
            "sqlalchemy/engine/cursor.py",
            "sqlalchemy/engine/row.py",
        ),
    ),
    ("flush (autoflush, INSERT/UPDATE)", ("unitofwork.py", "persistence.py", "sqlalchemy/orm/dependency")),
    ("building statements (select().where())", ("sqlalchemy/sql/",)),
    ("session, engine, greenlet plumbing", ("sqlalchemy/", "sqlmodel/", "greenlet")),
    ("chibo's own code (bot/, storage/)", ("(bot/", "(storage/")),
]


def _file(frame: str) -> str:
    """The '(path:line)' part of a py-spy frame, or the frame."""
    start = frame.rfind(" (")
    return frame[start + 1 :] if start >= 0 else frame


def phase_of(frames: Sequence[str]) -> str:
    """The phase of an update's life a sample belongs to."""
    if frames[0] == "(no Python frame)":
        return frames[0]
    if not frames[0].startswith(THREAD_ROOTS):
        return PHASES[0][0]  # a greenlet's half of a statement
    for phase, needles in PHASES:
        if any(needle in frame for frame in frames for needle in needles):
            return phase
    return "event loop and other"


def kind_of(frames: Sequence[str]) -> str:
    """What kind of work a sample inside handle is."""
    for frame in reversed(frames):
        where = _file(frame)
        for kind, needles in KINDS:
            if any(needle in where or needle in frame for needle in needles):
                return kind
    return "other (stdlib, logging)"


def summarise(path: Path, updates: int | None) -> str:
    """The summary as Markdown: share of GIL-held samples per phase and, inside handle, per kind."""
    phases: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames, samples = stack.split(";") if stack else ["(no Python frame)"], int(count)
        total += samples
        phase = phase_of(frames)
        phases[phase] += samples
        if phase == PHASES[0][0]:
            kinds[kind_of(frames)] += samples
    rate = 250  # samples per second, as bench.updates records
    per = f" ms/update (over {updates})" if updates else ""

    def rows(counter: Counter[str], indent: str = "") -> list[str]:
        lines = []
        for name, samples in counter.most_common():
            ms = f" | {1000 * samples / rate / updates:.2f}" if updates else ""
            lines.append(f"| {indent}{name} | {samples / total:.1%}{ms} |")
        return lines

    head = f"| where (GIL held) | share{' | ' + per.strip() if per else ''} |"
    rule = "|---|---:|" + ("---:|" if updates else "")
    body = rows(phases) + ["| **ChatCore.handle, by kind of work** | |" + (" |" if updates else "")]
    body += rows(kinds, "… ")
    return "\n".join([f"{total} samples = {total / rate:.2f} s with the GIL", "", head, rule, *body])


def main(argv: Sequence[str] | None = None) -> int:
    """Print the summary of one profile."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.pyspy_summary", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("profile", type=Path)
    parser.add_argument("--updates", type=int, help="updates handled while recording, for ms per update")
    args = parser.parse_args(argv)
    print(summarise(args.profile, args.updates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
