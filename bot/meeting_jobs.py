"""The jobs before each meeting (notice, reminders, the secretary's brief), kept in step with the database.

Job ids name the meeting and the step: `meeting:12:notice`, `meeting:12:remind:1d`, `meeting:12:brief`.
`plan` rebuilds a set of cells' jobs from the database: at start-up, after a schedule or a meeting
changed (in chat, on the command line, in another process), and every few minutes so the next meeting
is always created. A step whose time passed while the bot was down runs at once if its meeting has not
started, and is dropped with a log line if it has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.clock import Clock
from bot.config import Config
from bot.meetings import schedule as rule_maths
from bot.ports import Scheduler
from bot.services import meetings, schedules
from storage import repo
from storage.db import Sessions
from storage.models import Cell, Meeting

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=10)  # how often every cell's next meeting and jobs are checked


def step_job(meeting_id: int, step: str) -> str:
    """The id of the job of one step before a meeting."""
    return f"meeting:{meeting_id}:{step}"


class MeetingJobs:
    """Schedules the steps before each planned meeting; the database says which and when."""

    def __init__(
        self, *, sessions: Sessions, jobs: Scheduler, config: Config, clock: Clock, wake: Callable[[], None]
    ) -> None:
        self.sessions, self.jobs, self.config, self.clock, self.wake = sessions, jobs, config, clock, wake
        self._by_cell: dict[int, set[str]] = {}  # the step jobs scheduled for each cell

    async def plan(self, cell_ids: Iterable[int] | None = None) -> int:
        """Create each cell's next meeting by its rule and (re)schedule the steps of its planned meetings;
        all cells when none are named. Returns how many steps ran at once (they were overdue).

        Each cell in its own transaction, its jobs set once it is committed: one cell that fails (a
        regular meeting planned by hand at the same moment) is logged and retried at the next run, and
        never holds up the others."""
        async with self.sessions() as session:
            query = select(Cell.id).where(col(Cell.closed_at).is_(None))
            if cell_ids is not None:
                query = query.where(col(Cell.id).in_(list(cell_ids)))
            ids = [cell_id for cell_id in (await session.exec(query)).all() if cell_id is not None]
        overdue: list[tuple[int, str]] = []
        for cell_id in ids:
            try:
                wanted, due = await self._plan_cell(cell_id)
            except Exception:
                log.exception("planning the meetings of cell %s failed; the next run tries again", cell_id)
                continue
            for job_id in self._by_cell.get(cell_id, set()) - wanted.keys():
                self.jobs.cancel(job_id)  # moved, cancelled, or done
            for job_id, (at, meeting_id, step) in wanted.items():
                self.jobs.schedule(job_id, self.run_step, at=at, meeting_id=meeting_id, step=step)
            self._by_cell[cell_id] = set(wanted)
            overdue += due
        for meeting_id, step in overdue:
            await self.run_step(meeting_id=meeting_id, step=step)
        return len(overdue)

    async def _plan_cell(
        self, cell_id: int
    ) -> tuple[dict[str, tuple[datetime, int, str]], list[tuple[int, str]]]:
        """The cell's next meeting made sure of; its steps to schedule (by job id) and those overdue."""
        now, rules = self.clock(), self.config.meetings.rules()
        wanted: dict[str, tuple[datetime, int, str]] = {}
        overdue: list[tuple[int, str]] = []
        async with self.sessions.begin() as session:
            cell = await session.get(Cell, cell_id)
            assert cell is not None
            await schedules.ensure_next(
                session=session, cell=cell, now=now, rules=rules, default_tz=self.config.tz
            )
            rule = await schedules.chase_rule(session, cell)
            tz = meetings.cell_zone(cell, self.config.tz)
            for meeting in await schedules.unfinished(session, [cell_id], now):
                assert meeting.id is not None
                pending = schedules.pending_steps(meeting, rule, tz)
                run, drop = rule_maths.overdue(
                    [(s, at) for s, at in pending if at <= now], meeting.created_at
                )
                for step in drop:
                    log.info("meeting %s: %s dropped, overtaken by a later step", meeting.id, step)
                    schedules.mark_done(meeting, step)
                overdue += [(meeting.id, step) for step in run]
                wanted.update(
                    {step_job(meeting.id, step): (at, meeting.id, step) for step, at in pending if at > now}
                )
        return wanted, overdue

    async def run_step(self, *, meeting_id: int, step: str) -> bool:
        """Do one step before a meeting (once; dropped with a log line if no longer useful)."""
        now, rules = self.clock(), self.config.meetings.rules()
        async with self.sessions.begin() as session:
            # Locked (on PostgreSQL) so a move or another run cannot write steps_done meanwhile.
            meeting = await session.get(Meeting, meeting_id, with_for_update=True)
            cell = await session.get(Cell, meeting.cell_id) if meeting else None
            if meeting is None or cell is None:
                return False
            done = await schedules.run_step(
                session=session,
                meeting=meeting,
                step=step,
                now=now,
                rules=rules,
                tz=meetings.cell_zone(cell, self.config.tz),
                chase=await schedules.chase_rule(session, cell),
                group_language=self.config.default_language,
            )
        # Done (by its job, or called early, as the demo does): its job is no longer waiting.
        self.jobs.cancel(step_job(meeting_id, step))
        self._by_cell.get(cell.id or 0, set()).discard(step_job(meeting_id, step))
        if done:
            self.wake()
        return done

    async def schedules_changed(self, keys: set[str]) -> None:
        """A rule changed ("cell:3", "unit:2"): re-plan just the cells it reaches."""
        cell_ids: set[int] = set()
        async with self.sessions() as session:
            for key in keys:
                kind, _, ident = key.partition(":")
                if not ident.isdigit():
                    continue
                if kind == "cell":
                    cell_ids.add(int(ident))
                elif kind == "unit":
                    units = await repo.unit_descendants(session=session, unit_id=int(ident))
                    cell_ids |= {
                        c.id for c in await repo.cells_in_units(session=session, unit_ids=units) if c.id
                    }
        await self.plan(cell_ids)

    async def meetings_changed(self, meeting_ids: set[str]) -> None:
        """A meeting was created, moved, cancelled or opened: re-plan its cell."""
        async with self.sessions() as session:
            query = select(Meeting.cell_id).where(
                col(Meeting.id).in_([int(m) for m in meeting_ids if m.isdigit()])
            )
            cell_ids = set((await session.exec(query)).all())
        await self.plan(cell_ids)
