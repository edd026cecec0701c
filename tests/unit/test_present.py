"""Replies fitted to what a messenger can show."""

from __future__ import annotations

from bot.domain import Button, ChatRef, Document, Reply
from bot.ports import Capabilities
from bot.present import FULL, present

TEXT_ONLY = Capabilities(buttons=False, edits=False, command_menu=False, files=False, max_text=100)
CHAT = ChatRef("text", "1")
CHOICES = ((Button("Có mặt", "f:y"), Button("Xin vắng", "f:n")),)


def gettext(message: str) -> str:
    return message


def test_without_buttons_the_choices_are_numbered_in_the_text() -> None:
    [shown] = present(Reply("Đồng chí dự họp?", CHOICES, chat=CHAT), TEXT_ONLY, gettext)
    assert shown.text == "Đồng chí dự họp?\n\n1. Có mặt\n2. Xin vắng\nReply with the number of your choice."
    assert shown.buttons == ()


def test_choices_the_text_lists_already_are_not_listed_twice() -> None:
    [shown] = present(Reply("1. An\n2. Bình", CHOICES, chat=CHAT, listed=True), TEXT_ONLY, gettext)
    assert shown.text == "1. An\n2. Bình\n\nReply with the number of your choice."


def test_more_choices_than_a_message_can_hold_as_buttons_are_typed() -> None:
    many = tuple((Button(f"Người {n}", f"c:x {n}"),) for n in range(101))
    [shown] = present(Reply("Chọn:", many, listed=True), FULL, gettext)
    assert shown.buttons == () and shown.text.endswith("Reply with the number of your choice.")
    [kept] = present(Reply("Chọn:", many[:100]), FULL, gettext)
    assert len(kept.buttons) == 100


def test_without_edits_a_replacement_is_sent_anew() -> None:
    [shown] = present(Reply("Đã gửi", edit=True), TEXT_ONLY, gettext)
    assert shown.edit is False
    [kept] = present(Reply("Đã gửi", edit=True), FULL, gettext)
    assert kept.edit is True


def test_long_text_is_cut_to_the_messenger_with_the_choices_on_the_last_piece() -> None:
    text = "\n".join(f"Dòng {n} của thông báo dài." for n in range(12))
    pieces = present(Reply(text, CHOICES, chat=CHAT), TEXT_ONLY, gettext)
    assert len(pieces) > 1 and all(len(p.text) <= 100 for p in pieces)
    assert "1. Có mặt" in pieces[-1].text and "1. Có mặt" not in pieces[0].text


def test_a_file_is_left_out_where_files_cannot_go() -> None:
    document = Reply("", document=Document("a.csv", b"x"))
    assert present(document, TEXT_ONLY, gettext) == []
    assert present(document, FULL, gettext) == [document]


def test_markup_is_cut_with_its_formatting() -> None:
    pieces = present(Reply("*" + " ".join(["đậm"] * 40) + "*", markup=True), TEXT_ONLY, gettext)
    assert len(pieces) > 1 and all(p.text.startswith("*") for p in pieces)
