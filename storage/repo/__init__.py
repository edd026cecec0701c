"""Async query functions, by area. They take a session, flush when they write, and never commit."""

from __future__ import annotations

from storage.repo.choices import add_choice_set, latest_choice_set, prune_choice_sets
from storage.repo.organisation import (
    active_delegation,
    active_memberships,
    active_roles,
    cell_members,
    cells_in_units,
    find_cell,
    find_unit,
    list_cells,
    list_units,
    memberships_from,
    role_holders,
    roles_from,
    running_delegations,
    unit_ancestors,
    unit_descendants,
)
from storage.repo.outbox import claim_due_outbox, claim_outbox, outbox_counts, queue_outbox, record_outbox
from storage.repo.people import (
    all_identities,
    chat_languages,
    find_person,
    get_identity,
    get_person,
    identities_of,
)
from storage.repo.periods import active_on
from storage.repo.records import (
    add_changes,
    audit,
    changes_after,
    get_setting,
    last_change_id,
    prune_changes,
    prune_processed_updates,
    set_setting,
)

__all__ = [
    "active_delegation",
    "active_memberships",
    "active_on",
    "active_roles",
    "add_changes",
    "add_choice_set",
    "all_identities",
    "audit",
    "cell_members",
    "cells_in_units",
    "changes_after",
    "chat_languages",
    "claim_due_outbox",
    "claim_outbox",
    "find_cell",
    "find_person",
    "find_unit",
    "get_identity",
    "get_person",
    "get_setting",
    "identities_of",
    "last_change_id",
    "latest_choice_set",
    "list_cells",
    "list_units",
    "memberships_from",
    "outbox_counts",
    "prune_changes",
    "prune_choice_sets",
    "prune_processed_updates",
    "queue_outbox",
    "record_outbox",
    "role_holders",
    "roles_from",
    "running_delegations",
    "set_setting",
    "unit_ancestors",
    "unit_descendants",
]
