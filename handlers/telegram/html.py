"""Telegram's text rules in one place: how length is counted, its HTML parse mode, and cutting long text.

The Telegram transport renders the core's markup as this HTML and cuts it with `split_html` /
`truncate`; the fake Bot API parses with `parse_telegram_html` and counts with `visible_length`; so
the two can never disagree about what Telegram accepts. The core knows none of it.

Length. `sendMessage` accepts 4,096 astral emoji (8,192 UTF-16 code units) and refuses 4,097 (a live
probe published in 2026), so the limit counts code points of the text *after* entity parsing, while
entity offsets and lengths are UTF-16 code units. A flag is two code points, a letter with a combining
mark two. Captions: 1,024 by the same rule; callback answers: 200 (Bot API docs: "0-200 characters";
longer answers get "MESSAGE_TOO_LONG"). Telegram counts after trimming leading and trailing spaces
and newlines; we count before, so we may refuse a few characters early but never let through too much.

HTML. Verified against tdlib's source, which the Bot API server runs: td/telegram/MessageEntity.cpp
at commit 1a901a0e (2024; `parse_html`, `decode_html_entity`, `fix_formatted_text`,
`clean_input_string_with_entities`), td/telegram/LinkManager.cpp (`check_link_impl`),
td/utils/HttpUrl.cpp (`parse_url`) and tdutils/td/utils/misc.h (`is_space`, `to_integer_safe`):
- Tags, case-insensitive: b strong i em u ins s strike del a code pre span tg-spoiler tg-emoji
  blockquote. Anything else: 'Unsupported start tag "x" at byte offset N' (offsets are UTF-8 bytes).
  A bare "<" reads as a tag with an empty name, so "1 < 2" is refused the same way: write &lt;.
- Attributes: name=value with the value quoted ('…' or "…", character references decoded) or a
  bare token [A-Za-z0-9.-]; a name without "=" is allowed. Names are case-sensitive, and unknown
  ones are parsed and ignored. Recognised: a href; code class="language-x", which only counts as
  <pre><code class="language-x"> (one pre entity with a language; a lone <code> drops it);
  span class="tg-spoiler", *required* ('Tag "span" must have class "tg-spoiler"'); tg-emoji
  emoji-id, a non-zero 64-bit integer written plainly ("Invalid custom emoji identifier specified",
  checked only when the tag has content); blockquote expandable, an expandable blockquote.
- An end tag must match the innermost open tag ('Unmatched end tag at byte offset N, expected
  "</b>", found "</i>"'); "</>" closes whatever is open; an end tag with nothing open is
  "Unexpected end tag"; a tag left open is 'Can't find end tag corresponding to start tag "b"'.
  Broken syntax has its own errors ("Unclosed start tag", "Empty attribute name in the tag",
  "Unexpected end of name token", "Unclosed end tag").
- Character references: only &lt; &gt; &amp; &quot; are named (the ";" is optional); any other
  (&nbsp;, &copy;) stays literal text, as does a bare "&". Numeric &#NNN; and &#xHH; (lower-case x
  only) are decoded when non-zero, below U+10FFFF and under 10 characters long, else left literal.
  A surrogate (&#xD83D;, even as half of a pair) is refused: "Text contains invalid Unicode
  characters after decoding HTML entities, check for unmatched surrogate code units".
- Empty elements (<b></b>, <a href="…"></a>) produce no entity and no error.
- Links: the href, or the link's text when href is missing or empty, must be http(s) (the scheme
  may be left out; "http://" is assumed) with a host that contains a dot and only URL characters,
  or tg:/ton:/tonsite:. Telegram stores it normalised ("https://x.example" → "https://x.example/"),
  and "tg://user?id=N" becomes a text mention. Any other link is *silently* dropped (the text stays,
  no error).
- Nesting is never an error: Telegram later drops formatting it cannot nest (bold inside code or
  pre, intersecting links), turns control characters into spaces and trims leading and trailing
  spaces and newlines; a text left empty is "message text is empty".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bot import textcut

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
ELLIPSIS = "…"


def visible_length(text: str) -> int:
    """Count text as Telegram limits it: code points of the text after entity parsing."""
    return len(text)


def utf16_length(text: str) -> int:
    """Count UTF-16 code units, the unit of Telegram's entity offsets and lengths."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


# Telegram turns control characters into spaces and drops these invisible ones before trimming.
_DROPPED = frozenset({0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x30A, 0x333, 0x33F})


def is_blank(text: str) -> bool:
    """Whether Telegram would find the text empty (only spaces, newlines and control characters)."""
    return all(ord(c) <= 32 or ord(c) in _DROPPED for c in text)


# ---------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class Entity:
    """A formatting entity as Telegram reports it; offset and length in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedHTML:
    """Telegram-HTML split into the text people see and its entities."""

    text: str
    entities: tuple[Entity, ...]


class HTMLError(ValueError):
    """Markup Telegram would refuse: `description` in Telegram's words, `position` an index in the source."""

    def __init__(self, kind: str, description: str, position: int, **details: str) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.position = position
        self.details = details


TAGS = frozenset("a b strong i em u ins s strike del code pre span tg-spoiler tg-emoji blockquote".split())
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# tdlib sorts entities by offset, longer first, then by this priority.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_END = "\0"  # what _At reads past the end of the text, like the NUL that ends tdlib's C string


def _is_space(c: str) -> bool:
    return c in " \t\r\n\v\0"  # tdlib's is_space, which counts the terminating NUL as a space


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _ALPHA | frozenset("0123456789")


def _decode_entity(source: str, pos: int) -> tuple[int, int] | None:
    """The code point of the character reference at source[pos] ("&") and where it ends, or None."""
    at = _At(source)
    end = pos + 1
    code = 0
    if at[end] == "#":
        end += 1
        if at[end] == "x":
            end += 1
            while at[end] in "0123456789abcdefABCDEF":
                code = code * 16 + int(at[end], 16)
                end += 1
        else:
            while at[end] in "0123456789":
                code = code * 10 + int(at[end])
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
    else:
        while at[end] in _ALPHA:
            end += 1
        name = _NAMED.get(source[pos + 1 : end])
        if name is None:
            return None
        code = ord(name)
    if at[end] == ";":
        end += 1
    return code, end


class _At:
    """source[i], or NUL past the end, so the parser reads the text as tdlib does."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __getitem__(self, index: int) -> str:
        return self.source[index] if index < len(self.source) else _END


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    utf16: int  # offset of the entity's start in the plain text
    text_index: int  # where its content starts in the list of text parts (for <a> without href)
    position: int  # where the tag starts in the source


@dataclass(frozen=True, slots=True)
class _Token:
    """One piece of the source: a visible character, an opening tag or a closing tag."""

    kind: str  # "char", "open" or "close"
    source: str
    tag: str = ""


def _char_token(char: str) -> _Token:
    return _Token("char", char)


_PLAIN = re.compile(r"[^&<]+")


@dataclass(slots=True)
class _Parser:
    source: str
    strict_links: bool
    keep_tokens: bool = False  # only the splitter needs them, and they cost time
    text: list[str] = field(default_factory=list)
    tokens: list[_Token] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    stack: list[_Open] = field(default_factory=list)
    utf16: int = 0
    surrogate_at: int | None = None

    def run(self) -> ParsedHTML:
        source, at, i = self.source, _At(self.source), 0
        while i < len(source):
            c = source[i]
            if c == "&" and (decoded := _decode_entity(source, i)) is not None:
                code, end = decoded
                if 0xD800 <= code <= 0xDFFF and self.surrogate_at is None:
                    self.surrogate_at = i
                self._emit(chr(code), source[i:end])
                i = end
            elif c != "<":
                plain = _PLAIN.match(source, i)
                run = plain.group() if plain else c  # a "&" that is not a reference is text too
                self._emit(run, run)
                i += len(run)
            elif at[i + 1] != "/":
                i = self._start_tag(i)
            else:
                i = self._end_tag(i)
        if self.stack:
            opened = self.stack[-1]
            raise HTMLError(
                "unclosed",
                f'Can\'t find end tag corresponding to start tag "{opened.tag}"',
                opened.position,
                tag=opened.tag,
            )
        if self.surrogate_at is not None:
            raise HTMLError(
                "surrogate",
                "Text contains invalid Unicode characters after decoding HTML entities, check for "
                "unmatched surrogate code units",
                self.surrogate_at,
            )
        entities = [replace(e, language=None) if e.type == "code" else e for e in self.entities]
        entities.sort(key=lambda e: (e.offset, -e.length, _PRIORITY[e.type]))
        return ParsedHTML("".join(self.text), tuple(entities))

    def _emit(self, text: str, source: str) -> None:
        """Add visible text: a decoded reference (source is its markup) or a run of plain text."""
        self.text.append(text)
        self.utf16 += len(text.encode("utf-16-le", "surrogatepass")) // 2
        if self.keep_tokens:
            self.tokens.extend([_Token("char", source)] if source != text else map(_char_token, text))

    def _error(self, kind: str, before: str, position: int, after: str = "", **details: str) -> HTMLError:
        """An HTMLError worded like Telegram's, which gives positions as UTF-8 byte offsets."""
        byte_offset = len(self.source[:position].encode("utf-8", "surrogatepass"))
        return HTMLError(kind, f"{before} at byte offset {byte_offset}{after}", position, **details)

    def _start_tag(self, begin: int) -> int:
        at = _At(self.source)
        i = begin + 1
        while not _is_space(at[i]) and at[i] != ">":
            i += 1
        if at[i] == _END:
            raise self._error("broken_tag", "Unclosed start tag", begin)
        tag = _ascii_lower(self.source[begin + 1 : i])
        if tag not in TAGS:
            raise self._error("unsupported_tag", f'Unsupported start tag "{tag}"', begin, tag=tag)
        argument = ""
        while at[i] != ">":
            while at[i] != _END and _is_space(at[i]):
                i += 1
            if at[i] == ">":
                break
            name_begin = i
            while not _is_space(at[i]) and at[i] not in ("=", ">", "/", '"', "'"):
                i += 1
            name = self.source[name_begin:i]
            if not name:
                raise self._error("broken_tag", f'Empty attribute name in the tag "{tag}"', begin)
            while at[i] != _END and _is_space(at[i]):
                i += 1
            if at[i] != "=":
                if at[i] == _END:
                    raise self._error("broken_tag", f'Unclosed start tag "{tag}"', begin)
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                continue
            i += 1
            while at[i] != _END and _is_space(at[i]):
                i += 1
            if at[i] == _END:
                raise self._error("broken_tag", f'Unclosed start tag "{tag}"', begin)
            if at[i] not in ("'", '"'):
                token_begin = i
                while at[i] in _ALNUM or at[i] in ".-":
                    i += 1
                value = _ascii_lower(self.source[token_begin:i])
                if not _is_space(at[i]) and at[i] != ">":
                    raise self._error("broken_tag", "Unexpected end of name token", token_begin)
            else:
                quote, i, chars = at[i], i + 1, []
                while at[i] != quote and at[i] != _END:
                    if at[i] == "&" and (decoded := _decode_entity(self.source, i)) is not None:
                        chars.append(chr(decoded[0]))
                        i = decoded[1]
                        continue
                    chars.append(at[i])
                    i += 1
                if at[i] == quote:
                    i += 1
                value = "".join(chars)
            if at[i] == _END:
                raise self._error("broken_tag", "Unclosed start tag", begin)
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
            elif tag == "blockquote" and name == "expandable":
                argument = "1"
        if tag == "span" and argument != "spoiler":
            raise self._error("span_class", 'Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_Open(tag, argument, self.utf16, len(self.text), begin))
        self.tokens.append(_Token("open", self.source[begin : i + 1], tag))
        return i + 1

    def _end_tag(self, begin: int) -> int:
        at = _At(self.source)
        if not self.stack:
            raise self._error("unexpected_end_tag", "Unexpected end tag", begin)
        i = begin + 1
        while not _is_space(at[i]) and at[i] != ">":
            i += 1
        name = _ascii_lower(self.source[begin + 2 : i])
        while at[i] != _END and _is_space(at[i]):
            i += 1
        if at[i] != ">":
            raise self._error("broken_tag", "Unclosed end tag", begin)
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise self._error(
                "unmatched_end_tag",
                "Unmatched end tag",
                begin,
                f', expected "</{opened.tag}>", found "</{name}>"',
                expected=opened.tag,
                found=name,
            )
        if self.utf16 > opened.utf16:
            self._close(opened)
        self.stack.pop()
        self.tokens.append(_Token("close", self.source[begin : i + 1], opened.tag))
        return i + 1

    def _close(self, opened: _Open) -> None:
        offset, length, tag, argument = opened.utf16, self.utf16 - opened.utf16, opened.tag, opened.argument
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last.offset, last.length) == (offset, length)
        if tag in _SIMPLE_TAGS:
            self.entities.append(Entity(_SIMPLE_TAGS[tag], offset, length))
        elif tag == "tg-emoji":
            # tdlib's to_integer_safe<int64>: the text must be exactly the number printed back.
            number = int(argument) if re.fullmatch(r"-?[0-9]{1,19}", argument) else 0
            if number == 0 or str(number) != argument or not -(2**63) <= number < 2**63:
                raise HTMLError("custom_emoji", "Invalid custom emoji identifier specified", opened.position)
            self.entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=argument))
        elif tag == "a":
            url = argument or "".join(self.text[opened.text_index :])
            user_id = link_user_id(url)
            checked = checked_link(url)
            if user_id is not None:
                self.entities.append(Entity("text_mention", offset, length, user_id=user_id))
            elif checked is not None:
                self.entities.append(Entity("text_link", offset, length, url=checked))
            elif self.strict_links:
                raise HTMLError("invalid_link", f"invalid link {url!r}", opened.position, url=url)
        elif tag == "pre":
            if last is not None and last.type == "code" and same_span and last.language:
                self.entities[-1] = replace(last, type="pre")
            else:
                self.entities.append(Entity("pre", offset, length))
        elif tag == "code":
            if last is not None and last.type == "pre" and same_span and argument:
                self.entities[-1] = replace(last, language=argument)
            else:
                self.entities.append(Entity("code", offset, length, language=argument or None))
        else:  # blockquote
            kind = "expandable_blockquote" if argument else "blockquote"
            self.entities.append(Entity(kind, offset, length))


def parse_telegram_html(text: str, *, strict_links: bool = False) -> ParsedHTML:
    """Parse text in Telegram's HTML parse mode exactly as Telegram does; raise HTMLError where it would.

    With strict_links, a link Telegram would silently drop is an error too.
    """
    return _Parser(text, strict_links).run()


def link_user_id(url: str) -> int | None:
    """The user id of a "tg://user?id=N" link, which Telegram turns into a text mention."""
    match = re.fullmatch(r"tg:(?://)?user/?\?id=([0-9]{1,19})", url, flags=re.IGNORECASE)
    if match is None or not 0 < int(match.group(1)) < 2**63:
        return None
    return int(match.group(1))


_URL_PART = re.compile(r"(?:[A-Za-z0-9.\-_!$,~*'();&+=]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])*")
_URL_USERINFO = re.compile(r"(?:[A-Za-z0-9.\-_!$,~*'();&+=:]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])*")


def checked_link(url: str) -> str | None:
    """The link as Telegram stores it (e.g. "example.com" → "http://example.com/"), or None if it drops it."""
    lower = url.lower()
    special = next((s for s in ("tg:", "ton:", "tonsite:") if lower.startswith(s)), None)
    rest = url[len(special) :] if special else url
    if special and rest.startswith("//"):
        rest = rest[2:]
    plain_http = rest.lower().startswith("http://")
    scheme_end = re.match(r"[^:/?#@\[\]]*", rest)
    assert scheme_end is not None
    scheme = scheme_end.group().lower()
    if rest[scheme_end.end() :].startswith("://"):
        if scheme not in ("http", "https"):
            return None
        rest = rest[scheme_end.end() + 3 :]
    else:
        scheme = "http"
    authority_end = re.match(r"[^/?#]*", rest)
    assert authority_end is not None
    authority, query = authority_end.group(), rest[authority_end.end() :]
    port = ""
    colon = authority.rfind(":")
    if colon > 0 and "]" not in authority[colon:] and "@" not in authority[colon:]:
        digits = authority[colon + 1 :].lstrip("0") or "0"
        if not digits.isdigit() or not 0 < int(digits) <= 65535:
            return None
        authority, port = authority[:colon], digits
    userinfo, _, host = authority.rpartition("@")
    host = _ascii_lower(host)
    if not host or host == "." or host.startswith("["):  # IPv6 hosts are rare enough to refuse
        return None
    if not _URL_PART.fullmatch(host) or not _URL_USERINFO.fullmatch(userinfo):
        return None
    query = query.rstrip(" \t\r\n\v")
    query = "".join(f"%{ord(c):02X}" if ord(c) <= 0x20 else c for c in query)
    if not query.startswith("/"):
        query = "/" + query
    if special:
        allowed = r"[a-z0-9_.\-]+" if special == "tonsite:" else r"[a-z0-9_\-]+"
        if scheme == "https" or plain_http or userinfo or port or not re.fullmatch(allowed, host):
            return None
        if query.startswith("/?"):
            query = query[1:]
        return f"{special.rstrip(':')}://{host}{query}"
    if "." not in host:
        return None
    return f"{scheme}://{userinfo + '@' if userinfo else ''}{host}{':' + port if port else ''}{query}"


# ---------------------------------------------------------------------------- cutting long text


def _ranges(text: str, limit: int) -> list[tuple[int, int]]:
    """Where to cut visible text into pieces Telegram takes (see bot.textcut), blank as Telegram sees it."""
    return textcut.ranges(text, limit, blank=is_blank)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut plain text into pieces Telegram accepts: at paragraphs, then lines, then words; never blank."""
    return [text[a:b] for a, b in _ranges(text, limit)]


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut Telegram HTML into valid pieces of at most limit visible characters; raise HTMLError if invalid.

    Cuts fall where `split_text` would cut the visible text, never inside a tag or character reference;
    tags open at a cut are closed at the end of the piece and opened again at the start of the next.
    """
    visible = parse_telegram_html(text).text
    spans = _ranges(visible, limit)
    if spans == [(0, len(visible))]:
        return [text]
    parser = _Parser(text, strict_links=False, keep_tokens=True)
    parser.run()
    # Token index where each visible position starts a piece: after the previous character and
    # the end tags right behind it, before any start tags (so "x</b><i>y" cuts as "x</b>" | "<i>y").
    tokens = parser.tokens
    boundary = [0] * (len(visible) + 1)
    stacks: list[list[_Token]] = []
    stack: list[_Token] = []
    chars = 0
    for index, token in enumerate(tokens):
        stacks.append(list(stack))
        if token.kind == "char":
            chars += 1
            boundary[chars] = index + 1
        elif token.kind == "open":
            stack.append(token)
        else:
            stack.pop()
            if boundary[chars] == index and chars > 0:
                boundary[chars] = index + 1
    stacks.append(list(stack))
    pieces = []
    for a, b in spans:
        first = 0 if a == 0 else boundary[a]
        last = len(tokens) if b == len(visible) else boundary[b]
        still_open = list(stacks[last])
        piece = "".join(t.source for t in stacks[first]) + "".join(t.source for t in tokens[first:last])
        piece += "".join(f"</{t.tag}>" for t in reversed(still_open))
        pieces.append(piece)
    return pieces


def truncate(text: str, limit: int = MAX_TEXT, *, html: bool = False) -> str:
    """Fit text in one message: unchanged if it fits, else cut at a safe boundary and marked with "…"."""
    split = split_html if html else split_text
    if len(split(text, limit)) <= 1:
        return text
    return split(text, limit - len(ELLIPSIS))[0] + ELLIPSIS
