"""The words the database stores for kinds, statuses and roles: spelled here once, for every layer.

Plain Python with no imports beyond the standard library, so the command line can offer these
values in --help without loading the models.
"""

from __future__ import annotations

from enum import StrEnum


class OfficerRole(StrEnum):
    """An office held over a cell (committee member, deputy, secretary) or a unit (organiser)."""

    COMMITTEE = "committee_member"
    DEPUTY = "deputy_secretary"
    SECRETARY = "secretary"
    ORGANISER = "organiser"


OFFICER_ROLES: tuple[str, ...] = tuple(OfficerRole)
# Offices held over a cell, lowest first (organisers are appointed to a unit).
CELL_OFFICES: tuple[OfficerRole, ...] = (OfficerRole.COMMITTEE, OfficerRole.DEPUTY, OfficerRole.SECRETARY)
# Offices a cell has at most one holder of at a time.
SINGLE_OFFICES: frozenset[OfficerRole] = frozenset({OfficerRole.SECRETARY, OfficerRole.DEPUTY})

CELL_KINDS = ("village", "office", "enterprise", "school", "armed_forces")
MEMBERSHIP_KINDS = ("primary", "residence")
MEMBER_STATUSES = ("official", "probationary")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "unreachable")
UNREACHABLE_REASONS = ("not_linked", "blocked", "deleted", "chat_not_found")

# Meetings (bot.meetings.rules spells the same words as enums, with their rules).
MEETING_KINDS = ("regular", "thematic", "regular_thematic", "extraordinary")
# How often a cell meets (bot.meetings.schedule.Rhythm).
SCHEDULE_RHYTHMS = ("day", "last_day", "weekday", "weeks")
MEETING_ANSWERS = ("attend", "absent")
REASON_VERDICTS = ("accepted", "rejected")
CONTRIBUTION_KINDS = ("comment", "question", "proposal", "self_criticism")
CONTRIBUTION_MEDIA = ("voice", "photo")
VOTE_CHOICES = ("for", "against", "abstain")
TASK_STATUSES = ("not_started", "in_progress", "done", "blocked")
ATTENDANCE_STATES = ("present", "late", "excused", "unexcused", "exempt", "unconfirmed")
