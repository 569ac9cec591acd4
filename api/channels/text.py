"""How the assistant's replies are shaped for each messaging platform: bold markers, length limits,
short button titles, numbered options and SMS segments. Pure functions, no I/O, shared by all channels.

The assistant writes `**bold**` and `•` bullets (content/responses.yml). Telegram gets HTML with
everything else escaped, WhatsApp its own `*bold*`, SMS plain GSM-7 text where possible.
"""
from __future__ import annotations

import html
import re
from typing import Callable, Iterator, List, Optional, Sequence

Fits = Callable[[str], bool]

_BOLD = re.compile(r"\*\*([^\n]+?)\*\*")


def to_plain(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def to_telegram_html(text: str) -> str:
    """Telegram's HTML parse mode: escape <, > and & first, so nothing in the text can become markup."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def to_whatsapp(text: str) -> str:
    return _BOLD.sub(r"*\1*", text)


# ---- SMS -------------------------------------------------------------------------------------------

# GSM 03.38: one 7-bit unit each (basic set) or two (extension set, sent with an escape).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# Typographic characters the content uses that would force the whole SMS into UCS-2 (70 characters a
# segment instead of 160) for no visible gain.
_SMS_SUBSTITUTES = str.maketrans(
    {"•": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}
)


def to_sms(text: str) -> str:
    return to_plain(text).translate(_SMS_SUBSTITUTES)


def sms_fits(max_segments: int) -> Fits:
    """A predicate: does this text go out in at most `max_segments` SMS segments? One segment holds 160
    GSM-7 units (70 UCS-2 ones); a concatenated message 153 (67) per segment, the rest is the header."""

    def fits(text: str) -> bool:
        if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text):
            units = sum(2 if ch in _GSM7_EXTENSION else 1 for ch in text)
            limit = 160 if max_segments == 1 else 153 * max_segments
        else:
            units = len(text.encode("utf-16-le")) // 2
            limit = 70 if max_segments == 1 else 67 * max_segments
        return units <= limit

    return fits


def max_chars(limit: int) -> Fits:
    return lambda text: len(text) <= limit


# A phone or text number: three or more digits, possibly in groups ("116 123", "0800 068 4141", "999"),
# not part of a word ("HOPELINE247"), an amount ("£200") or an address.
_NUMBER = re.compile(r"(?<![\w£$€.:/-])\+?\d(?:[\d ]*\d)?(?![\w/])")


def has_phone_number(line: str) -> bool:
    return any(sum(ch.isdigit() for ch in m.group()) >= 3 for m in _NUMBER.finditer(line))


def numbers_first(text: str) -> str:
    """Move the lines carrying phone numbers (and the line introducing them, if it ends with ':') to the
    front, keeping their order. Used when a reply must be split over several SMS, which may arrive out of
    order or not be read to the end: someone in crisis must get the numbers in the first one."""
    lines = text.split("\n")
    urgent = {i for i, line in enumerate(lines) if has_phone_number(line)}
    if not urgent or urgent == set(range(len(lines))):
        return text
    urgent |= {i - 1 for i in urgent if i > 0 and lines[i - 1].rstrip().endswith(":")}
    first = [lines[i] for i in sorted(urgent)]
    rest = [line for i, line in enumerate(lines) if i not in urgent]
    return "\n".join(first + rest)


def sms_parts(text: str, max_segments: int) -> List[str]:
    fits = sms_fits(max_segments)
    if fits(text):
        return [text]
    return split_text(numbers_first(text), fits)


# ---- splitting ---------------------------------------------------------------------------------------


def split_text(text: str, fits: Fits) -> List[str]:
    """Pack whole lines into as few parts as `fits` allows; a line too long for one part is split between
    words, and a word too long for one part is cut. Blank parts are dropped."""
    parts: List[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _line_pieces(line, fits):
            candidate = f"{current}\n{piece}" if current else piece
            if current and not fits(candidate):
                parts.append(current)
                current = piece
            else:
                current = candidate
    parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def _line_pieces(line: str, fits: Fits) -> Iterator[str]:
    if fits(line):
        yield line
        return
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            yield current
        while not fits(word):  # a single word longer than a part (a long URL): cut it
            cut = _longest_prefix(word, fits)
            yield word[:cut]
            word = word[cut:]
        current = word
    if current:
        yield current


def _longest_prefix(word: str, fits: Fits) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(word[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


# ---- buttons -------------------------------------------------------------------------------------------

# Words a shortened title should not end on ("They want money or…" reads worse than "They want money…").
_WEAK_ENDINGS = frozenset(
    "a an and or but to the of for in on at with by from my your our their i i'm it is are be".split()
)
ELLIPSIS = "…"


def shorten(title: str, limit: int) -> str:
    """Fit a button title into `limit` characters, cutting between words and marking the cut with '…'."""
    title = " ".join(to_plain(title).split())
    if len(title) <= limit:
        return title
    kept: List[str] = []
    for word in title.split(" "):
        if len(" ".join(kept + [word])) > limit - 1:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1].lower().strip(",.;:!?") in _WEAK_ENDINGS:
        kept.pop()
    short = " ".join(kept).rstrip(",.;:-")
    if not short:  # the first word alone is too long
        short = title[: limit - 1]
    return short + ELLIPSIS


def short_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Shortened titles, kept distinct (platforms reject or confuse identical button titles)."""
    out: List[str] = []
    for number, title in enumerate(titles, 1):
        short = shorten(title, limit)
        if short in out:
            suffix = f" {number}"
            short = shorten(title, limit - len(suffix)) + suffix
        out.append(short)
    return out


def numbered_options(titles: Sequence[str], start: int = 1) -> str:
    return "\n".join(f"Reply {number} for {to_plain(title)}" for number, title in enumerate(titles, start))


_CHOICE = re.compile(r"\s*(\d{1,2})\s*[.)]?\s*")


def chosen_number(text: str) -> Optional[int]:
    """The option number in a reply such as "2", " 2. " or "2)"; None for anything else."""
    match = _CHOICE.fullmatch(text)
    return int(match.group(1)) if match else None
