"""The Telegram transport cuts replies as bot.markup says, and the fake Bot API accepts every piece."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot

from bot.domain import Button, ChatRef, Document, Reply
from bot.ports import Rejected
from fake_telegram import FakeBotAPI
from handlers.telegram.html import ELLIPSIS, MAX_CAPTION, MAX_TEXT, visible_length
from handlers.telegram.transport import TelegramTransport

pytestmark = pytest.mark.asyncio

ALICE = 1001
CHAT = ChatRef("telegram", str(ALICE))
GRIN = "\U0001f600"
FLAG = "\U0001f1fb\U0001f1f3"
SEND = ((Button("Send", "f:send"), Button("Cancel", "f:cancel")),)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        api.add_user(ALICE, "Alice")
        yield api


@pytest_asyncio.fixture
async def transport(fake: FakeBotAPI) -> AsyncIterator[TelegramTransport]:
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        yield TelegramTransport(bot)


async def test_a_long_html_preview_is_sent_as_valid_pieces_with_the_buttons_on_the_last(
    fake: FakeBotAPI, transport: TelegramTransport
) -> None:
    # Issue #7: an announcement of about 4,090 characters ending in italics, with the preview header in
    # front, was cut into pieces Telegram refused. Now the cut falls at the line break, the italics whole.
    body = "x" * 3990 + "\n_Lưu ý: " + " ".join(["y" * 9] * 12) + " hết_"
    text = "To: Chi bộ thôn 3, all members. Preview: " + body

    last_id = await transport.send(CHAT, Reply(text, SEND, markup=True))

    sent = fake.sent(ALICE)
    assert [call.status for call in fake.calls("sendMessage")] == [200, 200]
    assert sent[1]["text"].endswith("hết") and sent[1]["entities"][0]["type"] == "italic"
    assert "entities" not in sent[0]
    assert "reply_markup" not in sent[0]
    assert fake.buttons(sent[1]) == [("Send", "f:send"), ("Cancel", "f:cancel")]
    assert last_id == str(sent[1]["message_id"])


async def test_emoji_heavy_text_the_core_accepts_goes_out_as_one_message(
    fake: FakeBotAPI, transport: TelegramTransport
) -> None:
    await transport.send(CHAT, Reply(FLAG * 1015 + " " + GRIN * 2065, markup=True))
    await transport.send(CHAT, Reply("/" + GRIN * 2047))

    assert [visible_length(text) for text in fake.texts(ALICE)] == [MAX_TEXT, 2048]


async def test_a_plain_reply_longer_than_a_message_is_cut_at_line_breaks(
    fake: FakeBotAPI, transport: TelegramTransport
) -> None:
    lines = [f"{n}. Nguyễn Văn {'A' * 40}" for n in range(100)]

    await transport.send(CHAT, Reply("\n".join(lines)))

    texts = fake.texts(ALICE)
    assert len(texts) == 2 and all(visible_length(t) <= MAX_TEXT for t in texts)
    assert "\n".join(texts).split("\n") == lines  # every cut fell between two lines


async def test_an_edit_too_long_for_one_message_is_cut_at_a_boundary_and_ends_with_an_ellipsis(
    fake: FakeBotAPI, transport: TelegramTransport
) -> None:
    message_id = await transport.send(CHAT, Reply("Đang gửi…"))
    report = "Could not reach:\n" + "\n".join(f"• Người {n}: *blocked*" for n in range(400))

    await transport.edit(CHAT, message_id, Reply(report, markup=True))

    edited = fake.last(ALICE)["text"]
    assert visible_length(edited) <= MAX_TEXT and edited.endswith("blocked\n" + ELLIPSIS)


async def test_text_that_looks_like_html_is_shown_as_written(
    fake: FakeBotAPI, transport: TelegramTransport
) -> None:
    await transport.send(CHAT, Reply("<span>x</span> & 1<2"))
    await transport.send(
        CHAT, Reply("*Họp* <b>lúc</b> 19h & [nhà văn hóa](https://x.example/a)", markup=True)
    )

    plain, formatted = fake.sent(ALICE)
    assert plain["text"] == "<span>x</span> & 1<2"
    assert formatted["text"] == "Họp <b>lúc</b> 19h & nhà văn hóa"
    assert [e["type"] for e in formatted["entities"]] == ["bold", "text_link"]


async def test_a_blank_reply_is_rejected_without_calling_telegram(
    fake: FakeBotAPI, transport: TelegramTransport
) -> None:
    with pytest.raises(Rejected, match="empty"):
        await transport.edit(CHAT, "1", Reply(" \n "))

    assert fake.calls("sendMessage") == [] and fake.calls("editMessageText") == []


async def test_a_caption_longer_than_1024_characters_is_cut_to_fit(
    fake: FakeBotAPI, transport: TelegramTransport
) -> None:
    await transport.send(CHAT, Reply("", document=Document("invites.csv", b"a,b\n", "Mã mời " * 200)))

    [caption] = fake.texts(ALICE)
    assert visible_length(caption) <= MAX_CAPTION and caption.endswith(ELLIPSIS)
