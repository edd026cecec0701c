"""Chat commands and forms, named explicitly: the registry the core routes by.

Each command of the permission table (bot.permissions) has exactly one implementation here, and
`Registry.build` refuses a registry where that is not so.
"""

from __future__ import annotations

from bot import scopes
from bot.chat import FormEntry, Registry
from bot.commands import (
    announce,
    basic,
    contributions,
    dues,
    meetings,
    members,
    officers,
    resolution,
    schedules,
    summary,
    visits,
)
from bot.meetings.rules import Rules
from bot.permissions import HOUSEHOLD_KEEPERS, MANAGE_MEMBERS


def registry(rules: Rules | None = None) -> Registry:
    """The commands and forms of chibo (meeting commands find their meeting by the given rules)."""
    scopes.register(scopes.MeetingScope(rules or Rules()))
    return Registry.build(
        commands={
            "start": basic.start,
            "help": basic.help_,
            "lang": basic.lang,
            "cancel": basic.cancel,
            "members": members.members,
            "invite": officers.invite,
            "invite_unit": officers.invite_unit,
            "announce": announce.announce,
            "announce_unit": announce.announce_unit,
            "unreachable": announce.unreachable,
            "delegate": officers.delegate,
            "roles": officers.roles,
            "meeting": meetings.meeting,
            "meeting_edit": meetings.meeting_edit,
            "attend": meetings.attend,
            "absent": meetings.absent,
            "open": meetings.open_,
            "checkin": meetings.checkin,
            "tick": meetings.tick,
            "close": meetings.close,
            "record": meetings.record,
            "rollcall": meetings.rollcall_,
            "dues": dues.dues_,
            "linkgroup": meetings.linkgroup,
            "schedule": schedules.schedule,
            "schedule_unit": schedules.schedule_unit,
            "say": contributions.say,
            "said": contributions.said,
            "say_for": contributions.say_for,
            "next": contributions.next_,
            "contributions": contributions.contributions_,
            "relay": contributions.relay,
            "conclude": resolution.conclude,
            "vote": resolution.vote,
            "ballot": resolution.ballot,
            "task": resolution.task,
            "tasks": resolution.tasks,
            "task_note": resolution.task_note,
            "cell_tasks": resolution.cell_tasks,
            "resolution": resolution.resolution_,
            "households": visits.households,
            "visit": visits.visit,
            "followups": visits.followups,
            "summary": summary.summary_,
            "export": summary.export,
            "me": summary.me,
        },
        forms={
            "lang": FormEntry(basic.lang_choose),
            "announce": FormEntry(announce.announce_step),
            # Exempting or ending a membership changes a record: only those who manage members may.
            "member_reason": FormEntry(members.member_reason, requires=MANAGE_MEMBERS),
            "meeting": FormEntry(meetings.meeting_step),
            "meeting_edit": FormEntry(meetings.meeting_edit_step),
            "absent": FormEntry(meetings.absent_step),
            "close": FormEntry(meetings.close_step),
            "record": FormEntry(meetings.record_step),
            "schedule": FormEntry(schedules.schedule_step),
            # The message after Speak may be a voice note or a photo with a caption.
            "say": FormEntry(contributions.say_step, media=True),
            "said_fix": FormEntry(contributions.said_fix_step),
            "said_item": FormEntry(contributions.said_item_step),
            "say_for": FormEntry(contributions.say_for_step),
            "conclude": FormEntry(resolution.conclude_step),
            "vote": FormEntry(resolution.vote_step),
            "task": FormEntry(resolution.task_step),
            "task_note": FormEntry(resolution.task_note_step),
            # The visit form takes a photo or a shared location at its last step.
            "visit": FormEntry(visits.visit_step, media=True),
            "household_edit": FormEntry(visits.household_edit, requires=HOUSEHOLD_KEEPERS),
            "household_retire": FormEntry(visits.household_retire, requires=HOUSEHOLD_KEEPERS),
        },
        on_edit=contributions.edited,
        on_text=contributions.offered,
    )
