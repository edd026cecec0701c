"""Who may do what: the one table every command, menu and /help entry is generated from.

A person's roles are always worked out for a scope (a cell or a unit) and a day, from memberships,
officer roles, delegations and (later) meeting duties; nothing here trusts the messenger.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_
from storage.vocabulary import CELL_OFFICES, OfficerRole


class Role(StrEnum):
    """A role a person can hold towards one cell or unit on one day."""

    MEMBER = "member"
    COMMITTEE = OfficerRole.COMMITTEE.value
    DEPUTY = OfficerRole.DEPUTY.value
    SECRETARY = OfficerRole.SECRETARY.value  # holds the office; only they delegate it
    # A deputy while a delegation from the sitting secretary runs: a secretary's powers, except delegating.
    ACTING_SECRETARY = "acting_secretary"
    ORGANISER = OfficerRole.ORGANISER.value  # of the cell's unit or any unit above it
    CHAIR = "chair"  # meeting-scoped: the chair of that meeting
    MINUTE_TAKER = "minute_taker"  # meeting-scoped


class Scope(StrEnum):
    """What a command acts on."""

    NONE = "none"
    CELL = "cell"
    UNIT = "unit"
    MEETING = "meeting"  # a meeting of a cell (bot.scopes.MeetingScope); its chair has a role towards it


@dataclass(frozen=True)
class Command:
    """A chat command: the action it performs, what it acts on and who may use it."""

    name: str
    scope: Scope
    roles: frozenset[Role]
    description: str  # msgid
    # Roles inside a cell that delegation, chairing or minute-taking can add for a meeting.
    menu: bool = True
    # Other names that run it (Vietnamese ones without diacritics, typed on any phone).
    aliases: tuple[str, ...] = ()


LINKED = frozenset(Role)  # anyone the bot knows
OFFICERS = frozenset({Role.COMMITTEE, Role.DEPUTY, Role.SECRETARY, Role.ACTING_SECRETARY, Role.ORGANISER})
LEADERS = frozenset({Role.SECRETARY, Role.ACTING_SECRETARY, Role.ORGANISER})
MEMBERS = frozenset({Role.MEMBER})
# Who plans meetings and records them afterwards: the secretary, or the deputy acting for them.
SECRETARIES = frozenset({Role.SECRETARY, Role.ACTING_SECRETARY})
# Who runs a meeting once it opens: the secretaries and the meeting's chair.
MEETING_RUNNERS = SECRETARIES | {Role.CHAIR}
# Who plans meetings and their schedule: the cell's secretaries, and organisers of its unit (Tết moves).
PLANNERS = SECRETARIES | {Role.ORGANISER}
# Who may read absence reasons (illness, family matters): besides the member themself.
REASON_READERS = frozenset({Role.SECRETARY, Role.DEPUTY, Role.ACTING_SECRETARY, Role.CHAIR, Role.ORGANISER})
# Who writes down a contribution for a present member without a phone: the secretaries and the minute-taker.
RECORDERS = SECRETARIES | {Role.MINUTE_TAKER}
# Who follows the contributions during and after a meeting.
CONTRIBUTION_READERS = REASON_READERS | {Role.MINUTE_TAKER}
# Who may see a household's details, visits and residents' requests, besides its own member; other
# officers see counts and coverage only.
HOUSEHOLD_READERS = frozenset({Role.SECRETARY, Role.DEPUTY, Role.ACTING_SECRETARY, Role.ORGANISER})
# Who gives households to members, edits them and marks them moved away.
HOUSEHOLD_KEEPERS = frozenset({Role.SECRETARY, Role.ACTING_SECRETARY, Role.ORGANISER})
# Who ticks dues paid: the secretary and deputy; members report their own.
DUES_OFFICERS = frozenset({Role.SECRETARY, Role.DEPUTY, Role.ACTING_SECRETARY})

# The table. Order is the order of /help and the command menu.
COMMANDS: tuple[Command, ...] = (
    Command("help", Scope.NONE, LINKED, N_("what I can do for you")),
    Command("lang", Scope.NONE, LINKED, N_("choose the language: Tiếng Việt or English")),
    Command("cancel", Scope.NONE, LINKED, N_("stop the form you are filling in")),
    Command("members", Scope.CELL, OFFICERS, N_("the cell's members; secretaries can change them")),
    Command("invite", Scope.CELL, LEADERS, N_("invite codes for members not linked yet")),
    Command(
        "invite_unit",
        Scope.UNIT,
        frozenset({Role.ORGANISER}),
        N_("invite codes for every member of your unit not linked yet"),
    ),
    Command("announce", Scope.CELL, LEADERS, N_("send an announcement to the cell")),
    Command(
        "announce_unit",
        Scope.UNIT,
        frozenset({Role.ORGANISER}),
        N_("send an announcement to your unit's members or secretaries"),
    ),
    Command("unreachable", Scope.CELL, OFFICERS, N_("members the bot cannot reach, and why")),
    # Organisers may see and stop a delegation; only the sitting secretary starts one.
    Command(
        "delegate",
        Scope.CELL,
        frozenset({Role.SECRETARY, Role.ORGANISER}),
        N_("let the deputy secretary act as secretary for some days"),
    ),
    Command("roles", Scope.UNIT, frozenset({Role.ORGANISER}), N_("grant or revoke officer roles")),
    Command("meeting", Scope.CELL, PLANNERS, N_("plan a meeting and send its notice"), aliases=("hop",)),
    Command(
        "meeting_edit",
        Scope.MEETING,
        PLANNERS,
        N_("change the time, place or agenda of a meeting, or cancel it"),
        aliases=("suahop",),
    ),
    Command("attend", Scope.MEETING, MEMBERS, N_("say you will attend the next meeting"), aliases=("comat",)),
    Command(
        "absent",
        Scope.MEETING,
        MEMBERS,
        N_("ask to be excused from the next meeting, with a reason"),
        aliases=("vang",),
    ),
    Command("open", Scope.MEETING, MEETING_RUNNERS, N_("open the meeting: check-in starts")),
    Command("checkin", Scope.MEETING, MEMBERS, N_("check in at the meeting"), aliases=("diemdanh",)),
    Command("tick", Scope.MEETING, MEETING_RUNNERS, N_("tick in members who came without their phone")),
    Command("close", Scope.MEETING, MEETING_RUNNERS, N_("close the meeting and get the roll-call report")),
    Command("record", Scope.MEETING, SECRETARIES, N_("record afterwards a meeting held without the bot")),
    Command("rollcall", Scope.MEETING, REASON_READERS, N_("who answered, came or is absent, with reasons")),
    Command(
        "say", Scope.MEETING, MEMBERS, N_("post your contribution to the open meeting"), aliases=("ykien",)
    ),
    Command(
        "said",
        Scope.MEETING,
        MEMBERS | RECORDERS,
        N_("correct, mark or withdraw your contributions"),
        menu=False,  # reached from each contribution's choices; the menu stays short on phones
        aliases=("suaykien",),
    ),
    Command(
        "say_for",
        Scope.MEETING,
        RECORDERS,
        N_("record a contribution for a member without a phone"),
        aliases=("ghiykien",),
    ),
    Command(
        "next",
        Scope.MEETING,
        MEETING_RUNNERS,
        N_("move the meeting to the next agenda item"),
        aliases=("tieptheo",),
    ),
    Command(
        "contributions",
        Scope.MEETING,
        CONTRIBUTION_READERS,
        N_("who spoke on which item, and who has not spoken yet"),
        aliases=("ykienhop",),
    ),
    Command(
        "relay",
        Scope.CELL,
        SECRETARIES,
        N_("post contributions in the cell's group chat, or stop"),
        aliases=("chuyennhom",),
    ),
    Command(
        "conclude",
        Scope.MEETING,
        RECORDERS | {Role.CHAIR},
        N_("write the chair's conclusion on an agenda item"),
        aliases=("ketluan",),
    ),
    Command(
        "vote",
        Scope.MEETING,
        MEETING_RUNNERS,
        N_("record a show of hands, or hold a vote in the bot"),
        aliases=("bieuquyet",),
    ),
    Command("ballot", Scope.MEETING, MEMBERS, N_("cast your vote"), menu=False),
    Command(
        "task", Scope.MEETING, SECRETARIES, N_("give members a task with a deadline"), aliases=("giaoviec",)
    ),
    Command("tasks", Scope.NONE, LINKED, N_("your tasks, and how they stand"), aliases=("nhiemvu",)),
    Command("task_note", Scope.NONE, LINKED, N_("add a note to one of your tasks"), menu=False),
    Command(
        "cell_tasks",
        Scope.CELL,
        OFFICERS,
        N_("the cell's open tasks; secretaries change them"),
        aliases=("viecchibo",),
    ),
    Command(
        "resolution",
        Scope.MEETING,
        MEMBERS | CONTRIBUTION_READERS,
        N_("a meeting's conclusions, votes and tasks"),
        aliases=("nghiquyet",),
    ),
    Command(
        "households",
        Scope.CELL,
        MEMBERS | OFFICERS,
        N_("your households and their visits; the secretary sees and gives all"),
        aliases=("ho",),
    ),
    Command("visit", Scope.CELL, MEMBERS, N_("log a visit to one of your households"), aliases=("thamho",)),
    Command(
        "followups",
        Scope.CELL,
        MEMBERS | HOUSEHOLD_READERS,
        N_("follow-ups from household visits still open"),
        aliases=("theodoi",),
    ),
    Command("dues", Scope.CELL, MEMBERS | DUES_OFFICERS, N_("party dues: report yours, or tick who paid")),
    Command(
        "schedule",
        Scope.CELL,
        PLANNERS,
        N_("when the cell meets, and when members are reminded"),
        aliases=("lich",),
    ),
    Command(
        "schedule_unit",
        Scope.UNIT,
        frozenset({Role.ORGANISER}),
        N_("every cell's schedule in your unit, and the unit's default"),
        aliases=("lichdonvi",),
    ),
    Command(
        "linkgroup", Scope.CELL, SECRETARIES, N_("send this in the cell's group chat to post notices there")
    ),
    Command(
        "summary",
        Scope.CELL,
        OFFICERS,
        N_("a meeting's summary with the draft minutes: the last, a month (11/2026) or days"),
        aliases=("tonghop",),
    ),
    Command("export", Scope.CELL, OFFICERS, N_("the workbook (XLSX) of the meetings of a month or days")),
    Command(
        "me",
        Scope.NONE,
        LINKED,
        N_("your own year: meetings, contributions, tasks, visits"),
        aliases=("toi",),
    ),
)
BY_NAME = {command.name: command for command in COMMANDS}
ALIASES = {alias: command.name for command in COMMANDS for alias in command.aliases}

# Actions that are not commands but are checked the same way.
MANAGE_MEMBERS = LEADERS
START_DELEGATION = frozenset({Role.SECRETARY})

# Officer roles an organiser may grant inside their unit, lowest first.
GRANTABLE_IN_CELL: tuple[OfficerRole, ...] = CELL_OFFICES


def allowed(command: Command, roles: set[Role]) -> bool:
    """True when any of the person's roles in the command's scope is allowed."""
    return bool(command.roles & roles)
