"""SMS length: GSM-7 when every character allows it, UCS-2 otherwise (Vietnamese letters with
diacritics force UCS-2), and the number of segments a message takes."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# The GSM 03.38 basic alphabet, and the characters of its extension table (they count twice).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def encoding(text: str) -> str:
    return "GSM-7" if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text) else "UCS-2"


def units(text: str) -> int:
    """Length in the encoding's units: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding(text) == "GSM-7":
        return sum(2 if c in GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


# Single and multi-part sizes, in the encoding's units: a part of a long message gives up room for
# the user data header that joins the parts (6 octets: 7 septets, or 3 UTF-16 units).
SIZES = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


def _unit_sizes(text: str, gsm: bool) -> list[int]:
    """What each character takes: an escaped GSM-7 character 2 septets, a UCS-2 character outside
    the basic plane (an emoji) 2 code units. Neither pair may be split between two parts."""
    if gsm:
        return [2 if c in GSM_EXTENDED else 1 for c in text]
    return [len(c.encode("utf-16-le")) // 2 for c in text]


def segments(text: str) -> int:
    """How many SMS the text is sent as: one up to 160 GSM-7 septets (70 UCS-2 units), else parts
    of 153 (67), filled in order without splitting an escaped character or a surrogate pair."""
    kind = encoding(text)
    single, part = SIZES[kind]
    sizes = _unit_sizes(text, kind == "GSM-7")
    if sum(sizes) <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


@dataclass(frozen=True)
class Cost:
    """What an SMS costs: its encoding, its length in that encoding's units, and its segments."""

    encoding: str
    units: int
    segments: int


def cost(text: str) -> Cost:
    return Cost(encoding(text), units(text), segments(text))


# Typographic characters outside GSM-7, and their plain forms.
PLAIN = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...",
         "\u00a0": " ", "\u2022": "-", "\u00ab": '"', "\u00bb": '"'}


def without_diacritics(text: str) -> str:
    """The text in plain letters so that it fits GSM-7 ("Sở Tư pháp đã trả lời" becomes "So Tu phap
    da tra loi"): Vietnamese letters lose their marks (đ becomes d), typographic quotes and dashes
    become plain ones; any other character that GSM-7 lacks becomes "?" (Chinese, emoji)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    for fancy, plain in PLAIN.items():
        text = text.replace(fancy, plain)
    # Every letter loses its marks (GSM-7 has "à" and "é", but a message half with accents reads worse).
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return "".join(char if char in GSM_BASIC or char in GSM_EXTENDED else "?" for char in text)
