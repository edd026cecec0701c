"""The fake Bot API driven by the real python-telegram-bot client (nothing in PTB is mocked)."""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from fake_telegram import FakeBotAPI

pytestmark = pytest.mark.asyncio

ALICE = 1001
BOB = 1002


@pytest.fixture(autouse=True)
def _bypass_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours HTTP(S)_PROXY, so make sure requests to the local fake never leave the machine."""
    for name in ("NO_PROXY", "no_proxy"):
        existing = os.environ.get(name, "")
        monkeypatch.setenv(name, ",".join(filter(None, [existing, "127.0.0.1", "localhost"])))


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        api.add_user(ALICE, "Alice", username="alice")
        api.add_user(BOB, "Bob", language_code="en")
        yield api


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)] for text, data in pairs])


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run an Application with real long polling against the fake, then shut it down cleanly."""
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_get_me_returns_the_configured_bot(bot: Bot, fake: FakeBotAPI) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.username == "chibo_test_bot"
    assert me.first_name == "Chibo"
    assert me.id == 123456
    assert me.can_join_groups
    assert [call.method for call in fake.calls()] == ["getMe", "getMe"]  # Bot.initialize() calls it too


async def test_send_message_is_recorded_with_its_reply_markup_decoded(bot: Bot, fake: FakeBotAPI) -> None:
    message = await bot.send_message(ALICE, "Chọn một", reply_markup=keyboard(("Có", "yes"), ("Không", "no")))

    assert message.message_id == 1
    assert message.chat.id == ALICE
    assert message.from_user is not None and message.from_user.id == bot.id
    assert message.reply_markup == keyboard(("Có", "yes"), ("Không", "no"))
    call = fake.calls("sendMessage")[0]
    assert call.status == 200
    assert call.params["chat_id"] == ALICE
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Có", "callback_data": "yes"}],
            [{"text": "Không", "callback_data": "no"}],
        ]
    }
    assert fake.texts(ALICE) == ["Chọn một"]
    assert fake.buttons(fake.last(ALICE)) == [("Có", "yes"), ("Không", "no")]
    second = await bot.send_message(str(ALICE), "again")
    assert second.message_id == 2


async def test_sending_to_an_unknown_chat_is_a_bad_request_chat_not_found(bot: Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(999, "hello?")

    call = fake.calls("sendMessage")[0]
    assert (call.status, call.description) == (400, "Bad Request: chat not found")
    assert fake.sent() == []


async def test_text_longer_than_4096_characters_is_too_long(bot: Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(ALICE, "a" * 4097)
    # The limit applies after entity parsing, so markup does not count.
    await bot.send_message(ALICE, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)

    assert len(fake.texts(ALICE)[0]) == 4096


async def test_malformed_html_cannot_be_parsed_and_valid_html_is_stripped(bot: Bot, fake: FakeBotAPI) -> None:
    for bad in ("<b>unclosed", "<b><i>crossed</b></i>", "<div>nope</div>", "1 < 2", "</b>"):
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(ALICE, bad, parse_mode=ParseMode.HTML)

    message = await bot.send_message(
        ALICE, '<b>Đậm</b> &amp; <a href="https://x.example">link</a> &lt;3', parse_mode=ParseMode.HTML
    )

    assert message.text == "Đậm & link <3"
    # Telegram stores links normalised: scheme and host lower case, and a path of at least "/".
    assert message.text_html == '<b>Đậm</b> &amp; <a href="https://x.example/">link</a> &lt;3'
    assert fake.texts(ALICE) == ["Đậm & link <3"]


async def test_callback_data_longer_than_64_bytes_is_button_data_invalid(bot: Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(ALICE, "hi", reply_markup=keyboard(("x", "é" * 32 + "a")))  # 65 bytes
    await bot.send_message(ALICE, "hi", reply_markup=keyboard(("x", "é" * 32)))  # exactly 64 bytes

    assert len(fake.sent(ALICE)) == 1


async def test_editing_a_message_without_changes_is_not_modified(bot: Bot, fake: FakeBotAPI) -> None:
    markup = keyboard(("A", "a"))
    sent = await bot.send_message(ALICE, "v1", reply_markup=markup)

    edited = await bot.edit_message_text("v2", chat_id=ALICE, message_id=sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("v2", chat_id=ALICE, message_id=sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("v3", chat_id=ALICE, message_id=42)
    removed = await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id)

    assert edited.text == "v2" and edited.edit_date is not None
    assert removed.reply_markup is None
    assert fake.last(ALICE)["text"] == "v2"
    assert [(e.text, e.kind) for e in fake.transcript()] == [
        ("v1", "message"),
        ("v2", "edit"),
        ("v2", "edit"),
    ]


async def test_a_blocked_user_or_deleted_account_is_forbidden(bot: Bot, fake: FakeBotAPI) -> None:
    fake.block(ALICE)
    fake.delete_account(BOB)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "hi")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(BOB, "hi")
    assert [call.status for call in fake.calls("sendMessage")] == [403, 403]
    assert fake.sent() == []


async def test_an_injected_429_raises_retry_after_only_for_that_chat(bot: Bot, fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", 429, retry_after=7, chat_id=ALICE)

    await bot.send_message(BOB, "not affected")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE, "hi")
    await bot.send_message(ALICE, "works again")

    assert caught.value.retry_after in (7, 7.0) or caught.value.retry_after.total_seconds() == 7
    assert fake.calls("sendMessage", chat_id=ALICE)[0].description == "Too Many Requests: retry after 7"
    assert fake.texts() == ["not affected", "works again"]


async def test_an_injected_500_raises_network_error(bot: Bot, fake: FakeBotAPI) -> None:
    fake.fail_next("sendmessage", 500, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(ALICE, "hi")
    await bot.send_message(ALICE, "third time lucky")

    assert [call.status for call in fake.calls("sendMessage")] == [500, 500, 200]


async def test_a_dropped_connection_raises_network_error(bot: Bot, fake: FakeBotAPI) -> None:
    fake.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "lost")

    fake.drop_next("sendMessage")
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(
                f"{fake.base_url}{fake.token}/sendMessage", json={"chat_id": ALICE, "text": "x"}
            )

    # deliver=True: the message is sent, only the answer is lost (the client may retry and duplicate).
    fake.drop_next("sendMessage", deliver=True)
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "delivered")

    await bot.send_message(ALICE, "fine")
    assert [call.status for call in fake.calls("sendMessage")] == [0, 0, 200, 200]
    assert fake.texts(ALICE) == ["delivered", "fine"]


async def test_send_document_uploads_an_in_memory_file(bot: Bot, fake: FakeBotAPI) -> None:
    payload = b"name,score\nAn,10\n"

    message = await bot.send_document(ALICE, io.BytesIO(payload), filename="scores.csv", caption="Điểm")

    assert message.document is not None and message.document.file_name == "scores.csv"
    assert message.caption == "Điểm"
    upload = fake.calls("sendDocument")[0].params["document"]
    assert (upload.filename, upload.content) == ("scores.csv", payload)
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload
    again = await bot.send_document(BOB, message.document.file_id)  # re-send by file_id
    assert again.document is not None and again.document.file_id == message.document.file_id
    assert fake.texts() == ["Điểm", ""]


async def test_set_my_commands_with_a_chat_scope_and_language_is_read_back(
    bot: Bot, fake: FakeBotAPI
) -> None:
    commands = [BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")]

    await bot.set_my_commands(commands, scope=BotCommandScopeChat(ALICE), language_code="vi")
    await bot.set_my_commands([BotCommand("start", "Start")])

    expected = [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "help", "description": "Trợ giúp"},
    ]
    assert fake.commands_for({"type": "chat", "chat_id": ALICE}, "vi") == expected
    assert fake.commands_for() == [{"command": "start", "description": "Start"}]
    assert fake.commands_for({"type": "chat", "chat_id": ALICE}) == []
    read_back = await bot.get_my_commands(scope=BotCommandScopeChat(ALICE), language_code="vi")
    assert [c.command for c in read_back] == ["start", "help"]
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "capital letters are not allowed")])


async def test_wrong_token_and_unknown_method_answer_like_telegram(fake: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("654321:WRONG", base_url=fake.base_url):  # initialize() calls getMe
            pass
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{fake.base_url}{fake.token}/sendTelepathy", data={"chat_id": ALICE})
        any_case = await client.get(f"{fake.base_url}{fake.token}/GETME")

    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert any_case.json()["result"]["username"] == "chibo_test_bot"
    assert [(c.method, c.status) for c in fake.calls()] == [
        ("getMe", 401),
        ("sendTelepathy", 404),
        ("getMe", 200),
    ]


async def test_rate_limit_answers_429_once_the_bucket_is_empty(bot: Bot, fake: FakeBotAPI) -> None:
    fake.limit_rate(per_second=0.5, burst=2)

    await bot.send_message(ALICE, "1")
    await bot.send_message(ALICE, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "3")

    assert fake.rate_limited_count == 1
    assert fake.texts(ALICE) == ["1", "2"]


async def test_get_updates_long_polls_until_an_update_arrives(bot: Bot, fake: FakeBotAPI) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert 0.25 < time.monotonic() - started < 2

    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)  # calls are recorded when answered, so give the poll time to reach the server
    fake.user_sends(ALICE, "xin chào")
    updates = await asyncio.wait_for(poll, 2)

    assert time.monotonic() - started < 1  # woken by the update, not by the 10 s timeout

    assert [u.update_id for u in updates] == [1]
    assert updates[0].message is not None and updates[0].message.text == "xin chào"
    assert await bot.get_updates(offset=2, timeout=0) == ()
    assert fake.pending_updates == 0


async def test_wait_for_sent_times_out_with_what_was_sent(bot: Bot, fake: FakeBotAPI) -> None:
    await bot.send_message(ALICE, "only one")

    with pytest.raises(TimeoutError, match="only one"):
        await fake.wait_for_sent(ALICE, count=2, timeout=0.1)


async def test_an_application_polls_replies_to_a_command_and_handles_a_button(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(
            f"Xin chào {update.effective_user.first_name}", reply_markup=keyboard(("Tiếp", "next"))
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data == "next"
        await query.answer("Đã nhận")
        await query.edit_message_text("Xong")

    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))

    async with polling(app):
        fake.user_sends(ALICE, "/start")
        [greeting] = await fake.wait_for_sent(ALICE, 1)
        fake.user_presses(ALICE, greeting["message_id"], "next")
        await fake.wait_for_calls("editMessageText", 1)

    answer = fake.calls("answerCallbackQuery")[0]
    assert answer.status == 200 and answer.params["text"] == "Đã nhận"
    assert greeting["text"] == "Xin chào Alice"
    assert fake.last(ALICE)["text"] == "Xong"
    assert [(e.direction, e.text, e.kind) for e in fake.transcript()] == [
        ("user", "/start", "message"),
        ("bot", "Xin chào Alice", "message"),
        ("user", "Tiếp", "press"),
        ("bot", "Đã nhận", "answer"),
        ("bot", "Xong", "edit"),
    ]
    assert fake.pending_updates == 0  # the updater confirmed everything on shutdown


async def test_an_update_can_be_fed_to_process_update_without_polling(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    group = fake.add_group(-1001234567890, "Lớp 10A")["id"]
    seen: list[str] = []
    fake.on_call = lambda call: seen.append(f"{call.method} {call.status}")
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        update = fake.user_sends(BOB, "/start@chibo_test_bot", chat_id=group, queue=False)
        await app.process_update(Update.de_json(update, app.bot))

    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 21}]
    assert fake.texts(group) == ["pong"]
    assert fake.pending_updates == 0
    assert seen == ["getMe 200", "sendMessage 200"]
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        async with Bot(fake.token, base_url=fake.base_url) as client:
            await client.answer_callback_query("nope")


# --- as strict as Telegram: lengths, HTML, callback answers ---------------------------------------

GRIN = "\U0001f600"  # one code point, two UTF-16 code units
FLAG = "\U0001f1fb\U0001f1f3"  # two code points, four UTF-16 code units


async def test_text_length_counts_code_points_so_4096_astral_emoji_fit_and_4097_do_not(
    bot: Bot, fake: FakeBotAPI
) -> None:
    await bot.send_message(ALICE, GRIN * 4096)  # 8,192 UTF-16 code units
    await bot.send_message(ALICE, "/" + GRIN * 2047)  # a command echoed back: 4,095 UTF-16 units
    await bot.send_message(ALICE, FLAG * 2048)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(ALICE, GRIN * 4097)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(ALICE, "e\u0301" * 2049)  # a combining mark is a code point of its own

    assert len(fake.texts(ALICE)) == 3


async def test_a_caption_is_limited_to_1024_code_points(bot: Bot, fake: FakeBotAPI) -> None:
    await bot.send_document(ALICE, io.BytesIO(b"x"), filename="a.txt", caption=GRIN * 1024)
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await bot.send_document(ALICE, io.BytesIO(b"x"), filename="a.txt", caption=FLAG * 513)

    assert fake.texts(ALICE) == [GRIN * 1024]


async def test_entity_offsets_and_lengths_are_utf16_code_units(bot: Bot, fake: FakeBotAPI) -> None:
    message = await bot.send_message(ALICE, f"{FLAG} <b>{GRIN} Họp</b>", parse_mode=ParseMode.HTML)

    assert fake.last(ALICE)["entities"] == [{"type": "bold", "offset": 5, "length": 6}]
    assert message.parse_entity(message.entities[0]) == f"{GRIN} Họp"


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        ("<span>bí mật</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Họp <br>", 'Unsupported start tag "br" at byte offset 6'),  # "ọ" is 3 bytes
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ('<tg-emoji emoji-id="x">🙂</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
async def test_html_telegram_refuses_is_refused_with_telegrams_description(
    bot: Bot, fake: FakeBotAPI, markup: str, description: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(ALICE, markup, parse_mode=ParseMode.HTML)

    assert fake.calls("sendMessage")[0].description == f"Bad Request: can't parse entities: {description}"


async def test_html_telegram_accepts_is_stored_as_telegram_stores_it(bot: Bot, fake: FakeBotAPI) -> None:
    spoiler = await bot.send_message(ALICE, '<span class="tg-spoiler">x</span> y', parse_mode=ParseMode.HTML)
    literal = await bot.send_message(ALICE, "A&nbsp;B &copy; &#65;", parse_mode=ParseMode.HTML)
    dropped = await bot.send_message(ALICE, '<a href="ftp://x.example">tệp</a>', parse_mode=ParseMode.HTML)
    code = await bot.send_message(
        ALICE, '<pre><code class="language-python">print(1)</code></pre>', parse_mode=ParseMode.HTML
    )
    trimmed = await bot.send_message(ALICE, "\n <b>Họp </b> \n\n")

    assert spoiler.entities[0].type == "spoiler"
    assert literal.text == "A&nbsp;B &copy; A"
    assert (dropped.text, dropped.entities) == ("tệp", ())  # Telegram drops a link it cannot use
    assert (code.entities[0].type, code.entities[0].language) == ("pre", "python")
    assert trimmed.text == "<b>Họp </b>"  # no parse_mode: the tags are text; the edges are trimmed
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(ALICE, "<b> </b>\n", parse_mode=ParseMode.HTML)


async def test_a_callback_answer_is_at_most_200_characters_and_a_query_is_answered_once(
    fake: FakeBotAPI, bot: Bot
) -> None:
    sent = await bot.send_message(ALICE, "Chọn", reply_markup=keyboard(("A", "a")))
    query_id = fake.user_presses(ALICE, sent.message_id, "a")["callback_query"]["id"]

    with pytest.raises(BadRequest, match="(?i)message_too_long"):
        await bot.answer_callback_query(query_id, GRIN * 201)
    await bot.answer_callback_query(query_id, GRIN * 200)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query_id)


# --- playing the user ------------------------------------------------------------------------------


async def test_a_user_edit_arrives_as_an_edited_message_update(bot: Bot, fake: FakeBotAPI) -> None:
    sent = fake.user_sends(ALICE, "Họp lúc 19h")["message"]

    update = Update.de_json(fake.user_edits(ALICE, sent["message_id"], "Họp lúc 20h /help"), bot)

    assert update.message is None and update.edited_message is not None
    edited = update.edited_message
    assert (edited.message_id, edited.text) == (sent["message_id"], "Họp lúc 20h /help")
    assert edited.edit_date is not None and edited.from_user is not None and edited.from_user.id == ALICE
    assert [(e.type, e.offset, e.length) for e in edited.entities] == [("bot_command", 12, 5)]
    assert fake.transcript()[-1].kind == "edit"
    with pytest.raises(ValueError):
        fake.user_edits(BOB, sent["message_id"], "not mine", chat_id=ALICE)


@pytest.mark.parametrize("kind", ["photo", "sticker", "voice", "location", "document"])
async def test_media_a_user_sends_is_a_message_python_telegram_bot_parses(
    bot: Bot, fake: FakeBotAPI, kind: str
) -> None:
    caption = None if kind in ("sticker", "location") else "Biên bản"

    update = Update.de_json(fake.user_sends_media(ALICE, kind, caption=caption), bot)

    message = update.message
    assert message is not None and message.text is None and message.caption == caption
    media = getattr(message, kind)
    assert media, f"no {kind} in {message}"
    if kind != "location":
        file_id = media[-1].file_id if kind == "photo" else media.file_id
        assert (await bot.get_file(file_id)).file_size == 1024
    assert fake.transcript()[-1].kind == kind


async def test_a_command_to_another_bot_in_a_group_has_an_entity_covering_that_bots_name(
    fake: FakeBotAPI,
) -> None:
    group = fake.add_group(-1001234567891, "Chi bộ thôn 3")["id"]

    other = fake.user_sends(ALICE, "/members@otherbot now", chat_id=group)["message"]
    plain = fake.user_sends(ALICE, "xem /help, hoặc /xin_chào", chat_id=group)["message"]

    assert other["entities"] == [{"type": "bot_command", "offset": 0, "length": 17}]
    assert plain["entities"] == [{"type": "bot_command", "offset": 4, "length": 5}]  # not /xin_ch…


async def test_a_pressed_buttons_message_carries_the_message_it_replied_to(
    bot: Bot, fake: FakeBotAPI
) -> None:
    asked = fake.user_sends(ALICE, "Tôi có việc bận")["message"]
    reply = await bot.send_message(
        ALICE, "Lý do?", reply_to_message_id=asked["message_id"], reply_markup=keyboard(("Ốm", "sick"))
    )

    update = Update.de_json(fake.user_presses(ALICE, reply.message_id, "sick"), bot)

    assert update.callback_query is not None
    message = update.callback_query.message
    assert message is not None and message.reply_to_message is not None
    assert message.reply_to_message.message_id == asked["message_id"]
    assert message.reply_to_message.text == "Tôi có việc bận"


# --- group rate limit ------------------------------------------------------------------------------


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_group_gets_only_so_many_messages_a_minute_once_the_limit_is_on() -> None:
    clock = FakeClock()
    async with FakeBotAPI(clock=clock) as fake:
        fake.add_user(ALICE, "Alice")
        group = fake.add_group(-1001234567892, "Chi bộ thôn 3")["id"]
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            for index in range(3):
                await bot.send_message(group, f"before {index}")  # off by default
            fake.limit_group_rate(2)
            await bot.send_message(group, "1")
            clock.now += 20
            await bot.send_message(group, "2")
            await bot.send_message(ALICE, "a private chat is not limited")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(group, "3")
            clock.now += 40  # a minute after the first one
            await bot.send_message(group, "4")

    retry_after = caught.value.retry_after
    assert retry_after in (40, 40.0) or retry_after.total_seconds() == 40
    assert fake.texts(group)[3:] == ["1", "2", "4"]
