"""SQLModel tables, by area. Timestamps are aware UTC; calendar dates (from/to) are plain dates in the
cell's zone. Importing this package registers every table with SQLModel's metadata."""

from __future__ import annotations

from storage.models.chat import ChatIdentity, ChoiceSet, FlowState, InviteCode, ProcessedUpdate
from storage.models.delivery import Announcement, OutboxMessage
from storage.models.households import Household, HouseholdAssignment, Visit, VisitDraft, VisitNudge
from storage.models.meetings import (
    AgendaItem,
    Attendance,
    Ballot,
    Contribution,
    ContributionVersion,
    DuesPayment,
    Meeting,
    MeetingRule,
    Task,
    TaskAssignee,
    Vote,
)
from storage.models.organisation import (
    Cell,
    Delegation,
    Exemption,
    Membership,
    MemberStatus,
    Person,
    RoleAssignment,
    Unit,
)
from storage.models.records import AuditLog, Change, Setting

__all__ = [
    "AgendaItem",
    "Attendance",
    "Ballot",
    "Contribution",
    "ContributionVersion",
    "DuesPayment",
    "Meeting",
    "MeetingRule",
    "Announcement",
    "AuditLog",
    "Cell",
    "Change",
    "ChatIdentity",
    "ChoiceSet",
    "Delegation",
    "Exemption",
    "FlowState",
    "Household",
    "HouseholdAssignment",
    "InviteCode",
    "MemberStatus",
    "Membership",
    "OutboxMessage",
    "Person",
    "ProcessedUpdate",
    "RoleAssignment",
    "Setting",
    "Task",
    "TaskAssignee",
    "Unit",
    "Visit",
    "VisitDraft",
    "VisitNudge",
    "Vote",
]
