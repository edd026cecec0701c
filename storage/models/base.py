"""What every table module shares: aware UTC timestamps, and IN (...) checks."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field

from storage.types import UTCDateTime


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _utc(nullable: bool = False) -> Any:
    return Field(sa_type=UTCDateTime(), nullable=nullable)
