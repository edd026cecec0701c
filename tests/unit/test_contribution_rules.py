"""The contribution rules (bot/meetings/contributions.py), table by table: who may contribute and how,
whether contributions can still change, the share of those present who spoke, the streak of meetings
without a word, and which agenda item comes next."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.meetings.contributions import (
    SILENT_MEETINGS,
    Member,
    Refusal,
    Share,
    Standing,
    editable,
    next_position,
    share,
    silent_streak,
    standing,
)
from bot.meetings.rules import Answer, State, Verdict
from bot.services.contributions import Participation

# ------------------------------------------------------------------------------------- the members

NO_ROW = None
NO_ANSWER = Member(answer=None, verdict=None, checked_in=False)
SAID_ATTEND = Member(answer=Answer.ATTEND, verdict=None, checked_in=False)
EXCUSED = Member(answer=Answer.ABSENT, verdict=None, checked_in=False)  # the reason stands (no view yet)
ACCEPTED = Member(answer=Answer.ABSENT, verdict=Verdict.ACCEPTED, checked_in=False)
REJECTED = Member(answer=Answer.ABSENT, verdict=Verdict.REJECTED, checked_in=False)
CHECKED_IN = Member(answer=Answer.ATTEND, verdict=None, checked_in=True)
CAME_UNANNOUNCED = Member(answer=None, verdict=None, checked_in=True)
CAME_AFTER_ALL = Member(answer=Answer.ABSENT, verdict=None, checked_in=True)  # asked to be excused, came
CAME_REJECTED = Member(answer=Answer.ABSENT, verdict=Verdict.REJECTED, checked_in=True)

EVERYONE = [
    NO_ROW,
    NO_ANSWER,
    SAID_ATTEND,
    EXCUSED,
    ACCEPTED,
    REJECTED,
    CHECKED_IN,
    CAME_UNANNOUNCED,
    CAME_AFTER_ALL,
    CAME_REJECTED,
]


# ---------------------------------------------------------------------------------------- standing


@pytest.mark.parametrize(
    ("state", "member", "expected"),
    [
        # Open: checked in means present, whatever they answered before.
        (State.OPEN, CHECKED_IN, Standing.PRESENT),
        (State.OPEN, CAME_UNANNOUNCED, Standing.PRESENT),
        (State.OPEN, CAME_AFTER_ALL, Standing.PRESENT),
        (State.OPEN, CAME_REJECTED, Standing.PRESENT),
        # Open, not checked in: a standing absence request may send a written view ...
        (State.OPEN, EXCUSED, Standing.WRITTEN),
        (State.OPEN, ACCEPTED, Standing.WRITTEN),
        # ... a rejected one may not, and neither may anyone else.
        (State.OPEN, REJECTED, Refusal.NOT_CHECKED_IN),
        (State.OPEN, SAID_ATTEND, Refusal.NOT_CHECKED_IN),
        (State.OPEN, NO_ANSWER, Refusal.NOT_CHECKED_IN),
        (State.OPEN, NO_ROW, Refusal.NOT_CHECKED_IN),
        # Planned: only a written view from a member excused from it.
        (State.PLANNED, EXCUSED, Standing.WRITTEN),
        (State.PLANNED, ACCEPTED, Standing.WRITTEN),
        (State.PLANNED, REJECTED, Refusal.NOT_OPEN),
        (State.PLANNED, SAID_ATTEND, Refusal.NOT_OPEN),
        (State.PLANNED, NO_ANSWER, Refusal.NOT_OPEN),
        (State.PLANNED, NO_ROW, Refusal.NOT_OPEN),
    ],
)
def test_who_may_contribute_to_a_planned_or_open_meeting(
    state: State, member: Member | None, expected: Standing | Refusal
) -> None:
    assert standing(state, member) is expected


@pytest.mark.parametrize("state", [State.CLOSED, State.CANCELLED, State.NOT_RECORDED])
@pytest.mark.parametrize("member", EVERYONE)
def test_nobody_contributes_once_a_meeting_has_ended(state: State, member: Member | None) -> None:
    assert standing(state, member) is Refusal.ENDED


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.PLANNED, True),  # a written view sent ahead can still be corrected or withdrawn
        (State.OPEN, True),
        (State.CLOSED, False),
        (State.CANCELLED, False),
        (State.NOT_RECORDED, False),
    ],
)
def test_contributions_can_change_until_the_meeting_closes(state: State, expected: bool) -> None:
    assert editable(state) is expected


def test_every_state_is_covered_by_the_tables() -> None:
    assert set(State) == {State.PLANNED, State.OPEN, State.CLOSED, State.CANCELLED, State.NOT_RECORDED}


# ------------------------------------------------------------------------------------------- share


@pytest.mark.parametrize(
    ("spoke", "present", "percent"),
    [
        (0, 0, 0),  # nobody present: 0, not a division by zero
        (0, 5, 0),
        (5, 5, 100),
        (1, 2, 50),
        (1, 3, 33),
        (2, 3, 67),
        (1, 6, 17),
        (5, 6, 83),
        (1, 8, 13),  # 12.5: half up (round() would give 12)
        (3, 8, 38),  # 37.5
        (5, 8, 63),  # 62.5: half up (round() would give 62)
        (1, 40, 3),  # 2.5: half up (round() would give 2)
        (1, 200, 1),  # 0.5
        (1, 201, 0),  # 0.497...
        (11, 18, 61),  # 61.1
        (13, 18, 72),  # 72.2
    ],
)
def test_the_share_is_a_percentage_rounded_half_up(spoke: int, present: int, percent: int) -> None:
    assert Share(spoke, present).percent == percent


@pytest.mark.parametrize(
    ("present", "speakers", "expected"),
    [
        ([1, 2, 3], [1], Share(1, 3)),
        ([1, 2, 3], [1, 2, 3], Share(3, 3)),
        ([1, 2, 3], [], Share(0, 3)),
        ([1, 2, 3], [4], Share(0, 3)),  # a speaker not present does not count
        ([1, 2, 3], [3, 4, 5], Share(1, 3)),
        ([1, 1, 2], [1, 1], Share(1, 2)),  # each person once
        ([], [1, 2], Share(0, 0)),
        ([], [], Share(0, 0)),
    ],
)
def test_the_share_counts_present_members_who_spoke(
    present: list[int], speakers: list[int], expected: Share
) -> None:
    assert share(present, speakers) == expected


def test_the_share_takes_any_iterable_once() -> None:
    assert share(iter([1, 2, 3, 4]), (p for p in [2, 4, 6])) == Share(2, 4)
    assert share(iter([1, 2, 3, 4]), (p for p in [2, 4, 6])).percent == 50


# ------------------------------------------------------------------------------------ silent streak


@pytest.mark.parametrize(
    ("attended", "streak"),
    [
        ([], 0),  # never present: nothing to count
        ([True], 0),
        ([False], 1),
        ([True, False, False], 0),  # spoke at the newest: the older silence is forgiven
        ([False, True], 1),
        ([False, False, True], 2),
        ([False, False, True, False, False, False], 2),
        ([False, True, False, False], 1),
        ([False, False, False], 3),
        ([False] * 7, 7),  # never spoke: every meeting attended
    ],
)
def test_the_silent_streak_counts_meetings_attended_since_the_member_last_spoke(
    attended: Sequence[bool], streak: int
) -> None:
    assert silent_streak(attended) == streak
    assert silent_streak(tuple(attended)) == streak


@pytest.mark.parametrize(
    ("streaks", "quiet"),
    [
        ({}, []),
        ({1: 0, 2: 1, 3: 2}, []),
        ({1: 3}, [1]),  # three in a row is enough
        ({1: 2, 2: 3, 3: 7, 4: 0}, [2, 3]),  # in the order given (the roster's)
        ({9: 4, 1: 3}, [9, 1]),
    ],
)
def test_quiet_members_have_a_streak_of_at_least_three(streaks: dict[int, int], quiet: list[int]) -> None:
    assert SILENT_MEETINGS == 3
    assert Participation(share=Share(0, 0), streaks=streaks).quiet == quiet


# -------------------------------------------------------------------------------- the agenda's items


@pytest.mark.parametrize(
    ("positions", "current", "wanted", "expected"),
    [
        # No item yet: the first.
        ([1, 2, 3], None, None, 1),
        ([3, 1, 2], None, None, 1),  # whatever order they come in
        # The one after the current one ...
        ([1, 2, 3], 1, None, 2),
        ([1, 2, 3], 2, None, 3),
        ([3, 1, 2], 2, None, 3),
        ([1, 4, 7], 4, None, 7),  # gaps are skipped
        ([1, 4, 7], 5, None, 7),  # a current item that is gone: the next one after it
        # ... none after the last one.
        ([1, 2, 3], 3, None, None),
        ([1, 2, 3], 9, None, None),
        # No agenda at all.
        ([], None, None, None),
        ([], 1, None, None),
        # The item asked for, when it exists, forwards or back.
        ([1, 2, 3], None, 2, 2),
        ([1, 2, 3], 1, 3, 3),
        ([1, 2, 3], 3, 1, 1),
        ([1, 2, 3], 2, 2, 2),  # the current one (the service says "already there")
        # An item that does not exist: None, not the next one.
        ([1, 2, 3], 1, 4, None),
        ([1, 2, 3], None, 0, None),
        ([1, 2, 3], None, -1, None),
        ([1, 4, 7], 1, 2, None),
        ([], None, 1, None),
    ],
)
def test_the_next_agenda_item(
    positions: list[int], current: int | None, wanted: int | None, expected: int | None
) -> None:
    assert next_position(positions, current, wanted) == expected
