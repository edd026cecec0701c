"""The cost of `ChatCore.handle` alone, in one process: CPU and statements per update.

    .venv/bin/python -m bench.handle --db postgres --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.handle --db sqlite --workload chatter --profile

`bench.updates` measures chibo from outside, beside a bare bot, with the Telegram edge and its noise.
This one takes the edge away to see the core's own share quickly while changing it: the same seeded
database (40 cells of 19 linked members, through the product's import), the real `Runtime`'s
`ChatCore`, and `--updates` updates from distinct members, handled one after another and then
`--concurrency` at a time. It reports CPU (user + system, all threads) and wall time per update and
the statements per update. `--profile` writes a cProfile of the sequential pass to bench/results/.
Run the two versions to compare one after the other on the same machine; the ratio is what to trust.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from bench.updates import RESULTS, TOKEN, WORKLOADS, fresh_database, seed


async def run(options: argparse.Namespace) -> None:
    """Seed, then time the passes and print one line each."""
    from bot.config import Config
    from bot.domain import ChatRef, Incoming, Sender
    from bot.runtime import Runtime

    workload = WORKLOADS[options.workload]
    async with fresh_database(options.db, options.database_url) as url:
        population = await seed(url, options.cells)
        users = population.everyone if workload.senders == "everyone" else population.secretaries
        config = Config.model_validate({"telegram": {"token": TOKEN}, "database": {"url": url}})
        runtime = Runtime(config)
        statements = connects = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        def count_connect(*_: Any) -> None:
            nonlocal connects
            connects += 1

        event.listen(runtime.engine.sync_engine, "before_cursor_execute", count)
        event.listen(runtime.engine.sync_engine, "connect", count_connect)
        next_id = 0

        def incoming(user: int) -> Incoming:
            nonlocal next_id
            next_id += 1
            return Incoming(
                chat=ChatRef("telegram", str(user)),
                sender=Sender("telegram", str(user), "Bench", "vi"),
                text=workload.text,
                update_id=str(next_id),
            )

        async def one_pass(label: str, concurrency: int, profile: cProfile.Profile | None = None) -> None:
            nonlocal statements, connects
            batch = [incoming(users[i % len(users)]) for i in range(options.updates)]
            statements = connects = 0
            cpu, wall = time.process_time(), time.perf_counter()
            if profile is not None:
                profile.enable()
            for start in range(0, len(batch), concurrency):
                await asyncio.gather(*(runtime.chat.handle(i) for i in batch[start : start + concurrency]))
            if profile is not None:
                profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            n = len(batch)
            print(
                f"{label:>12}: CPU {1000 * cpu / n:6.3f} ms/upd, wall {1000 * wall / n:6.3f} ms/upd,"
                f" {statements / n:5.2f} statements/upd, {connects} connections opened"
                f" ({n} updates, {concurrency} at a time)"
            )

        try:
            await one_pass("warm-up", 1)
            profile = cProfile.Profile() if options.profile else None
            for _ in range(options.repeat):
                await one_pass("sequential", 1, profile)
                await one_pass("concurrent", options.concurrency)
            if profile is not None:
                RESULTS.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
                path = RESULTS / f"handle-{stamp}-{options.db}-{options.workload}.prof"
                profile.dump_stats(path)
                print(f"profile: {path}")
        finally:
            await runtime.engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.handle", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("CHIBO_TEST_POSTGRES_URL"))
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="help")
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the sequential passes")
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
