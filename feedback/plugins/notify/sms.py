"""SMS length: GSM-7 when every character allows it, UCS-2 otherwise (Vietnamese letters with
diacritics force UCS-2), and the number of segments a message takes."""

from __future__ import annotations

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


def segments(text: str) -> int:
    """How many SMS the text is sent as (160/153 for GSM-7, 70/67 for UCS-2)."""
    length, gsm = units(text), encoding(text) == "GSM-7"
    single, part = (160, 153) if gsm else (70, 67)
    if length <= single:
        return 1
    return -(-length // part)
