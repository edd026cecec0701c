"""The core's scheduler port over APScheduler 3: job ids such as "announcement:12:report", ids only.

APScheduler keeps the jobs in memory; the database holds what they are for, so the runtime rebuilds
them at start-up and after every change. A job's time is given by the injected clock and handed to
APScheduler as the same distance from the real now, so a test's or a demo's clock never makes a job
fire early (the tests call job functions themselves). A job that fires while the runtime stops does
nothing, and stopping waits for the jobs already running (APScheduler's shutdown would cancel them
mid-transaction).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, system_clock
from bot.ports import JobFn

log = logging.getLogger(__name__)


class Jobs:
    """The Scheduler port, backed by an AsyncIOScheduler."""

    def __init__(
        self, scheduler: AsyncIOScheduler, clock: Clock = system_clock, real: Clock = system_clock
    ) -> None:
        self.scheduler = scheduler
        self.clock = clock  # the injected clock the core's times are on
        self.real = real  # the clock APScheduler runs on
        self._at: dict[str, datetime] = {}  # a one-off job's time by the injected clock
        self._running: set[asyncio.Task[object]] = set()
        self._stopping = False

    def schedule(
        self,
        job_id: str,
        fn: JobFn,
        *,
        at: datetime | None = None,
        every: timedelta | None = None,
        **ids: Any,
    ) -> None:
        """Run fn(**ids) once at `at`, or every `every`; a job with the same id is replaced."""
        if (at is None) == (every is None):
            raise ValueError("give either at or every")
        trigger: dict[str, Any] = (
            {"trigger": "date", "run_date": self.real() + (at - self.clock())}
            if at is not None
            else {"trigger": "interval", "seconds": every.total_seconds()}  # type: ignore[union-attr]
        )
        # Before the scheduler starts, APScheduler queues an added job even when one with its id waits:
        # replace by hand, so a job rescheduled before start-up is there once, at its new time.
        if self.scheduler.get_job(job_id) is not None:
            self.scheduler.remove_job(job_id)
        self.scheduler.add_job(
            self._tracked,
            args=[fn],
            kwargs=ids,
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            # Run a job however late (a busy loop, a long start-up): the job itself decides whether
            # it is still worth doing; APScheduler's default would drop it after one second.
            misfire_grace_time=None,
            **trigger,
        )
        if at is not None:
            self._at[job_id] = at
        else:
            self._at.pop(job_id, None)

    def cancel(self, job_id: str) -> None:
        """Forget the job, if there is one."""
        self._at.pop(job_id, None)
        if self.scheduler.get_job(job_id) is not None:
            self.scheduler.remove_job(job_id)

    def jobs(self) -> dict[str, datetime | None]:
        """The jobs scheduled, by id, with when each runs next: a one-off job's time by the injected clock,
        a repeating job's by APScheduler (None before the scheduler starts)."""
        return {
            job.id: self._at.get(job.id, getattr(job, "next_run_time", None))
            for job in self.scheduler.get_jobs()
        }

    def start(self) -> None:
        """Start running jobs as they come due."""
        self._stopping = False
        self.scheduler.start()

    async def stop(self) -> None:
        """Run no new job; let the running ones finish; then shut the scheduler down."""
        self._stopping = True
        if self._running:
            await asyncio.wait(self._running, timeout=10)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def _tracked(self, fn: JobFn, **ids: Any) -> None:
        if self._stopping:  # a job that fired as we were stopping would reopen the database
            return
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await fn(**ids)
        except Exception:
            log.exception("job %s(%s) failed", getattr(fn, "__name__", fn), ids)
        finally:
            self._running.discard(task)
