"""Importing a cell's members and households from spreadsheets: reading and checking every row
(reading, light), then applying them all or nothing (apply, which needs the database).

The names of `apply` are loaded on first use, so `chibo import members --help`, which only needs the
column list from `reading`, starts without loading the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ loads them
    from bot.services.imports.apply import (
        ImportRejected,
        ImportReport,
        households_of,
        import_households,
        import_members,
    )

__all__ = ["ImportRejected", "ImportReport", "households_of", "import_households", "import_members"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot.services.imports import apply

        return getattr(apply, name)
    raise AttributeError(name)
