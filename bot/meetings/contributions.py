"""Who may contribute (phát biểu ý kiến) to a meeting, and the participation figures: pure rules.

The minutes name every speaker, and the quality score counts the share of those present who spoke
(domain notes §1.3, §1.5). A contribution from a member checked in counts as spoken; a written view
from a member whose absence request stands is kept and shown as written, but is not "spoken".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.meetings.rules import Answer, State, Verdict

# Longer than any real spoken point; Telegram's own limit is 4,096.
MAX_TEXT = 4000
# How many meetings in a row without a word before the secretary is told (an invitation, not a reprimand).
SILENT_MEETINGS = 3


class Kind(StrEnum):
    """What the minutes make of a contribution."""

    COMMENT = "comment"  # ý kiến
    QUESTION = "question"  # câu hỏi
    PROPOSAL = "proposal"  # kiến nghị, đề xuất
    SELF_CRITICISM = "self_criticism"  # tự phê bình


class Standing(StrEnum):
    """How a member may contribute to a meeting now."""

    PRESENT = "present"  # checked in at the open meeting: they spoke
    WRITTEN = "written"  # excused: a written view, sent before or during the meeting


class Refusal(StrEnum):
    """Why a member may not contribute now (each has its own message)."""

    NOT_OPEN = "not_open"  # planned: the meeting has not started
    ENDED = "ended"  # closed, cancelled or never recorded
    NOT_CHECKED_IN = "not_checked_in"  # open, but they have not checked in


@dataclass(frozen=True)
class Member:
    """What the rules need of one member's attendance row."""

    answer: Answer | None
    verdict: Verdict | None
    checked_in: bool


def standing(state: State, member: Member | None) -> Standing | Refusal:
    """Whether, and how, a member may contribute to a meeting in this state."""
    absence_stands = (
        member is not None
        and member.answer is Answer.ABSENT
        and member.verdict is not Verdict.REJECTED
        and not member.checked_in
    )
    if state is State.OPEN:
        if member is not None and member.checked_in:
            return Standing.PRESENT
        return Standing.WRITTEN if absence_stands else Refusal.NOT_CHECKED_IN
    if state is State.PLANNED:
        return Standing.WRITTEN if absence_stands else Refusal.NOT_OPEN
    return Refusal.ENDED


def editable(state: State) -> bool:
    """Contributions can be corrected or withdrawn until the meeting closes."""
    return state in (State.PLANNED, State.OPEN)


@dataclass(frozen=True)
class Share:
    """Of those present, how many spoke."""

    spoke: int
    present: int

    @property
    def percent(self) -> int:
        """Rounded half up, as a score sheet would write it (0 when nobody was present)."""
        return (self.spoke * 200 + self.present) // (2 * self.present) if self.present else 0


def share(present: Iterable[int], speakers: Iterable[int]) -> Share:
    """The share of present members who contributed (a speaker who was not present does not count)."""
    here = set(present)
    return Share(len(here & set(speakers)), len(here))


def silent_streak(attended: Sequence[bool]) -> int:
    """Meetings since the member last spoke: `attended` holds, newest first, for each meeting they were
    present at, whether they spoke there. Meetings they missed do not count either way."""
    for count, spoke in enumerate(attended):
        if spoke:
            return count
    return len(attended)


def next_position(positions: Sequence[int], current: int | None, wanted: int | None = None) -> int | None:
    """The agenda item to move to: `wanted` when it exists, else the one after `current` (the first when
    none is current yet); None when there is no such item."""
    if wanted is not None:
        return wanted if wanted in positions else None
    later = [p for p in sorted(positions) if current is None or p > current]
    return later[0] if later else None
