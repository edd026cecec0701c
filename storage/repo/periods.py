"""Rows valid over a period of days: the one condition every "on this day" query uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_

from storage.ids import parse_id


def active_on(model: Any, day: date | Any) -> Any:
    """SQL condition: the row's [valid_from, valid_to] period contains `day` (a date or a bound one)."""
    return (model.valid_from <= day) & or_(model.valid_to.is_(None), model.valid_to >= day)


def typed_id(ref: str) -> int | None:
    """An id as typed, with or without a leading "#"."""
    ref = ref.strip()
    return parse_id(ref, prefix="#" if ref.startswith("#") else "")
