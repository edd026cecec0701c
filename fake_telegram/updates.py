"""Getting updates from FakeBotAPI: getUpdates (long polling) and the webhook methods."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from fake_telegram.base import FakeBotAPIBase
from fake_telegram.errors import _CONFLICT_POLLING, _CONFLICT_WEBHOOK, ApiError, JSONDict


class UpdatesMixin(FakeBotAPIBase):
    """getUpdates, deleteWebhook, setWebhook and getWebhookInfo."""

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self._webhook_url:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        offset = params.get("offset")
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"] or ()) or None  # [] means all
        if offset is not None:
            self._confirm(offset)
        # Like Telegram, a newer getUpdates terminates an older pending one with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()
        if timeout > 0:
            await self._updates_signal.wait_until(
                lambda: self._closing or generation != self._poll_generation or self._has_pending(offset),
                timeout,
            )
            if generation != self._poll_generation and not self._closing:
                raise ApiError(409, _CONFLICT_POLLING)
        return list(itertools.islice(self._pending(offset), limit))

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # -N keeps only the last N updates
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _pending(self, offset: int | None) -> Iterable[JSONDict]:
        allowed = self._allowed_updates
        for update in self._updates:
            if offset is not None and 0 <= update["update_id"] < offset:
                continue
            if allowed is None or not allowed.isdisjoint(update.keys()):
                yield update

    def _has_pending(self, offset: int | None) -> bool:
        return next(iter(self._pending(offset)), None) is not None

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSONDict) -> bool:
        self._webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._updates_signal.notify()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
