"""Masking personal data in free text before anything is shown to the public.

Phone numbers, e-mail addresses, 9- and 12-digit identity numbers, and the names and addresses
the filer gave are replaced by a label in brackets, e.g. ``[số điện thoại]``. The labels are in
Vietnamese on purpose: the public text is one text, whatever the reader's language.
"""

from __future__ import annotations

import re
import unicodedata

from feedback.text import fold

LABELS = {
    "phone": "[số điện thoại]",
    "email": "[thư điện tử]",
    "id": "[số định danh]",
    "name": "[họ tên]",
    "address": "[địa chỉ]",
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Vietnamese phone numbers, written with spaces, dots or dashes, with 0, 84 or +84 in front.
_PHONE = re.compile(r"(?<![\w+.])(?:\(0\d{2,3}\)[\s.\-]?\d(?:[\s.\-]?\d){5,7}|(?:\+?84|0)(?:[\s.\-]?\d){8,10})(?!\d|\.\d)")
_ID = re.compile(r"(?<![\d.])(?:\d{12}|\d{9})(?![\d]|\.\d)")


def mask(text: str | None, names: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with contact data, identity numbers and the given names/addresses masked."""
    if not text:
        return ""
    # One form for every accented letter, so that "ễ" typed as e + two marks is found too.
    text = unicodedata.normalize("NFC", text)
    names = [(unicodedata.normalize("NFC", value or ""), label) for value, label in names]
    text = _EMAIL.sub(LABELS["email"], text)
    text = _PHONE.sub(LABELS["phone"], text)
    text = _ID.sub(LABELS["id"], text)
    for value, label in names:
        text = _mask_words(text, value, LABELS[label])
    return text


def _mask_words(text: str, value: str, label: str) -> str:
    """Replace ``value`` wherever it appears, ignoring case and diacritics."""
    value = (value or "").strip()
    if len(value) < 3:
        return text
    wanted = fold(value)
    # Folding keeps one character per character for Vietnamese, so positions carry over.
    folded = fold_keep_length(text)
    out, start = [], 0
    index = folded.find(wanted)
    while index != -1:
        out.append(text[start:index])
        out.append(label)
        start = index + len(wanted)
        index = folded.find(wanted, start)
    out.append(text[start:])
    return "".join(out)


def fold_keep_length(text: str) -> str:
    """Like fold, but character by character, so that indexes match the original text."""
    return "".join((fold(char) or char)[:1] for char in text)
