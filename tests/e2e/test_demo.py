"""`chibo demo` tells the same story to a Vietnamese and an English reader, on any date."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.demo import run_demo
from bot.i18n import translator
from tests.support import FakeClock

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_the_demo_narrates_in_the_readers_language_and_explains_the_report(
    lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock(datetime(2028, 2, 29, 3, 0, tzinfo=UTC))
    assert await run_demo(clock=clock, lang=lang) == 0
    out = capsys.readouterr().out
    _ = translator(lang).gettext
    assert _("A stranger writes to the bot") in out
    assert "Đỗ Minh Tuấn (Chi bộ cơ quan Đảng ủy xã): /start" in out, "the organiser's code is listed"
    assert "valid until 07/03/2028" in out if lang == "en" else "hiệu lực đến 07/03/2028" in out
    explained = _("%(sent)s arrived; Telegram refused the one to %(name)s, who blocked the bot.")
    before, _name, after = explained.partition("%(name)s")
    assert re.search(re.escape(before % {"sent": 16}) + r"[\w ]+" + re.escape(after), out)
    assert _("I have answered you in a private chat.") in out
    assert _("That choice is no longer open. Send the command again.") in out, "the double tap"
    if lang == "en":
        for vietnamese in ("Một người lạ", "Bí thư", "bấm nút", "Kính mời"):
            assert vietnamese not in out
        assert "Announcement delivery: 16 sent, 0 waiting, 3 unreachable, 0 failed." in out
