"""Masking personal data in free text before anything is shown to the public.

Phone numbers, e-mail addresses, identity numbers (CCCD/CMND), passports, tax codes, bank accounts,
number plates, street addresses and the filer's name are replaced by a label in brackets, e.g.
``[số điện thoại]``. The labels are in Vietnamese on purpose: the public text is one text, whatever
the reader's language.

People write these in many ways ("ĐT. 0912.345.678", "+84 (0) 912 345 678", full-width digits,
zero-width characters pasted from chat apps, "CCCD: 001 099 012 345", "hẻm 45/12 đường Lê Lợi").
The text is first normalised (NFKC, format characters such as zero-width spaces removed) with a map
back to the original, the patterns are matched on the normalised text, and the original span is
masked. :func:`find` returns what was found, with its place, for the staff review screen.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from feedback.text import fold

LABELS = {
    "phone": "[số điện thoại]",
    "email": "[thư điện tử]",
    "id": "[số định danh]",
    "passport": "[số hộ chiếu]",
    "tax_code": "[mã số thuế]",
    "bank_account": "[số tài khoản]",
    "plate": "[biển số xe]",
    "name": "[họ tên]",
    "address": "[địa chỉ]",
}
# What a staff review may never leave in a public text: numbers that identify or reach a person.
REFUSED = ("phone", "email", "id", "passport", "tax_code", "bank_account")


@dataclass(frozen=True)
class Finding:
    """Personal data found in a text: ``text[start:end]`` of the original text is of ``kind``."""

    start: int
    end: int
    kind: str
    text: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def mask(text: str | None, names: list[tuple[str, str]] | tuple = ()) -> str:
    """``text`` with personal data masked; ``names`` are ``(value, "name" | "address")`` pairs of the
    filer's own contact data, masked wherever they appear (any case, accents or spacing)."""
    if not text:
        return ""
    out, last = [], 0
    for finding in find(text, names):
        out.append(_clean(text[last:finding.start]))
        out.append(finding.label)
        last = finding.end
    out.append(_clean(text[last:]))
    return "".join(out)


def segments(text: str | None, names=()) -> list[tuple[str, str | None]]:
    """``text`` cut into ``(piece, kind)``: ``kind`` is None for plain text, else what the piece is
    (for marking detected personal data on the review screen)."""
    if not text:
        return []
    out, last = [], 0
    for finding in find(text, names):
        if finding.start > last:
            out.append((text[last:finding.start], None))
        out.append((finding.text, finding.kind))
        last = finding.end
    if last < len(text):
        out.append((text[last:], None))
    return out


def find(text: str | None, names=()) -> list[Finding]:
    """Every piece of personal data in ``text``, in order, without overlaps (original positions)."""
    if not text:
        return []
    normal = _Normal(text)
    spans: list[tuple[int, int, str]] = []
    spans += _emails(normal.text)
    spans += _numbers(normal)
    spans += _plates(normal.text)
    spans += _passports(normal)
    spans += _addresses(normal)
    for value, kind in names:
        spans += _named(normal, value or "", kind)
    return _resolve(normal, spans)


# --- normalisation with a map back to the original ------------------------------------------


class _FoldTable(dict):
    """For str.translate: each character folded to one character (spaces to a space), computed once."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = " " if char.isspace() else (fold(char) or char)[:1]
        self[code] = value
        return value


_FOLD = _FoldTable()
# Format characters (zero-width spaces and joiners, soft hyphens, direction marks, BOM): taken out.
_FORMAT = re.compile("[%s\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                     "\U000e0001\U000e0020-\U000e007f]"
                     % "".join(re.escape(chr(code)) for code in range(0x10000) if unicodedata.category(chr(code)) == "Cf"))


class _Normal:
    """The NFKC form of a text without format characters; ``starts``/``ends`` give, for each of its
    characters, the span of the original text it comes from. ``folded`` has the same length."""

    def __init__(self, original: str):
        self.original = original
        if not _FORMAT.search(original) and unicodedata.is_normalized("NFKC", original):
            # Most texts: nothing to take out or compose, so positions are the same.
            self.text = original
            self.starts, self.ends = range(len(original)), range(1, len(original) + 1)
            self.folded = original.translate(_FOLD)
            return
        chars, starts, ends = [], [], []
        index, size = 0, len(original)
        while index < size:
            char = original[index]
            if unicodedata.category(char) == "Cf":
                index += 1
                continue
            end, cluster = index + 1, [char]
            # A letter and its combining marks (typed decomposed) become one character.
            while end < size and (unicodedata.combining(original[end]) or unicodedata.category(original[end]) == "Cf"):
                if unicodedata.category(original[end]) != "Cf":
                    cluster.append(original[end])
                end += 1
            for piece in unicodedata.normalize("NFKC", "".join(cluster)):
                chars.append(piece)
                starts.append(index)
                ends.append(end)
            index = end
        self.text = "".join(chars)
        self.starts, self.ends = starts, ends
        self.folded = self.text.translate(_FOLD)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def _clean(piece: str) -> str:
    """A plain piece of the original as the public text shows it: composed, without invisible characters."""
    return unicodedata.normalize("NFC", _FORMAT.sub("", piece))


def _resolve(normal: _Normal, spans: list[tuple[int, int, str]]) -> list[Finding]:
    """Overlapping spans merged (named after the most specific kind); neighbours of one kind joined."""
    spans = sorted(spans, key=lambda span: (span[0], -(span[1] - span[0])))
    merged: list[list] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if _PRIORITY.index(kind) < _PRIORITY.index(merged[-1][2]):
                merged[-1][2] = kind
            continue
        if merged and merged[-1][2] == kind and _JOIN.fullmatch(normal.text[merged[-1][1]:start]):
            merged[-1][1] = end
            continue
        merged.append([start, end, kind])
    found = []
    for start, end, kind in merged:
        first, last = normal.span(start, end)
        found.append(Finding(first, last, kind, normal.original[first:last]))
    return found


_JOIN = re.compile(r"[\s,;\-–]*")
_PRIORITY = ("id", "passport", "tax_code", "bank_account", "phone", "email", "plate", "name", "address")


# --- e-mail ---------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+\-]+\s?@\s?[\w\-]+(?:\s?\.\s?[\w\-]+)+", re.UNICODE)


def _emails(text: str):
    return [(match.start(), match.end(), "email") for match in _EMAIL.finditer(text)]


# --- numbers: phones, identity numbers, tax codes, bank accounts ----------------------------

# A run of digits with the separators people put between them: spaces, dots, dashes, slashes and
# brackets ("+84 (0) 912.345.678", "0912/345/678", "001 099 012 345").
_RUN = re.compile(r"(?<![\d@])(?:\+\s?|\(\s?\+?)?\d(?:[ \t.\-/()]{0,3}\d)*\)?")
_GROUP_BREAK = re.compile(r"\s*/\s*|\s+|\s*\)\s*|\s*\(\s*")
_MONEY = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+")
_CURRENCY_AFTER = re.compile(r"\s*(?:đồng|đ\b|vnđ|vnd|triệu|tỷ|nghìn|ngàn|usd|\$)", re.I)

# Words written before a number that say what it is (matched on the folded text: no case, no accents).
_CONTEXT = {
    "phone": r"(?:s?dt|s\.?d\.?t|tel|phone|mobile|hotline|zalo|viber|dd|di dong|dien thoai|so may|goi|nhan tin|lien he|lh)",
    "id": r"(?:cccd|cmnd|cmt|cc|can cuoc(?: cong dan)?|chung minh(?: nhan dan| thu)?|dinh danh(?: ca nhan)?|so dinh danh)",
    "tax_code": r"(?:mst|ma so thue|ma so doanh nghiep|msdn|ma so thue ca nhan)",
    "bank_account": (r"(?:stk|so tk|tk|tai khoan|so tai khoan|account|ngan hang|vietcombank|vietinbank|bidv|agribank|"
                     r"techcombank|mb ?bank|mbbank|vpbank|acb|sacombank|tpbank|shb|hdbank|ocb|vib|seabank|msb|"
                     r"eximbank|lienvietpostbank|lpbank|momo|vcb|ctg|stk ngan hang)"),
    "passport": r"(?:ho chieu|passport|hc)",
}
_CONTEXT_RE = {kind: re.compile(r"(?<![a-z0-9])" + words + r"(?:[\s:.#\-,]|so|la|cua toi|cua|toi|nguoi nop|"
                                 r"ngan hang \w+|\w+bank)*$")
               for kind, words in _CONTEXT.items()}
_CONTEXT_WINDOW = 40


def _context(normal: _Normal, start: int) -> str | None:
    before = normal.folded[max(0, start - _CONTEXT_WINDOW):start]
    for kind in ("id", "tax_code", "bank_account", "passport", "phone"):
        if _CONTEXT_RE[kind].search(before):
            return kind
    return None


def _numbers(normal: _Normal):
    spans = []
    for run in _RUN.finditer(normal.text):
        start, end = run.start(), run.end()
        written = run.group()
        context = _context(normal, start)
        kind = _classify(written, context, normal.text[end:end + 12])
        if kind is not None:
            spans.append((start, end, kind))
            continue
        # Several numbers in one run ("0912 345 678 / 0987 654 321"): try groups of its parts.
        parts = []
        position = 0
        for separator in _GROUP_BREAK.finditer(written):
            if separator.start() > position:
                parts.append((position, separator.start()))
            position = separator.end()
        if position < len(written):
            parts.append((position, len(written)))
        index = 0
        while index < len(parts):
            for last in range(len(parts) - 1, index - 1, -1):
                piece = written[parts[index][0]:parts[last][1]]
                kind = _classify(piece, context if index == 0 else None, "")
                if kind is not None:
                    spans.append((start + parts[index][0], start + parts[last][1], kind))
                    index = last + 1
                    break
            else:
                index += 1
    return spans


def _classify(written: str, context: str | None, after: str) -> str | None:
    digits = re.sub(r"\D", "", written)
    international = written.lstrip("( ").startswith("+")
    if digits.startswith("840") and len(digits) in (11, 12, 13):
        digits = "84" + digits[3:]  # "+84 (0) 912 …"
    money = _MONEY.fullmatch(written.strip()) is not None
    if money and context not in ("id", "tax_code", "bank_account", "phone") and (
            _CURRENCY_AFTER.match(after) or len(digits) != 12):
        return None
    if context == "id" and len(digits) in (9, 12):
        return "id"
    if context == "tax_code" and len(digits) in (10, 12, 13):
        return "tax_code"
    if context == "bank_account" and 6 <= len(digits) <= 19:
        return "bank_account"
    if context == "phone" and 8 <= len(digits) <= 12:
        return "phone"
    if _is_phone(digits, international):
        return "phone"
    if len(digits) == 12 and digits.startswith("0"):
        return "id"  # a citizen identity number (CCCD) starts with its province's code
    if len(digits) == 9 and not money:
        return "id"  # an old identity card number (CMND)
    if len(digits) == 13 and re.fullmatch(r"\d{10}\s?-\s?\d{3}", written.strip()):
        return "tax_code"  # a branch's tax code
    if len(digits) == 10 and digits.startswith("0"):
        return "tax_code"
    return None


def _is_phone(digits: str, international: bool) -> bool:
    if digits.startswith("84") and len(digits) in (11, 12):
        national = "0" + digits[2:]
    elif digits.startswith("0"):
        national = digits
    elif international and 8 <= len(digits) <= 15:
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse("+" + digits, None))
        except phonenumbers.NumberParseException:
            return False
    else:
        return False
    # Mobiles (03, 05, 07, 08, 09 and the old 01xx), landlines (02 and the area code).
    if re.fullmatch(r"0[35789]\d{8}|01\d{9}|02\d{9}", national):
        return True
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(national, "VN"))
    except phonenumbers.NumberParseException:
        return False


# --- passports and number plates ------------------------------------------------------------

_PASSPORT = re.compile(r"(?<![\w])[A-Z]\s?\d{7}(?![\w])")
_PASSPORT_AFTER_WORD = re.compile(r"(?<![\w])[A-Za-z]{1,2}\s?\d{7,8}(?![\w])")
_PLATE = re.compile(r"(?<![\w.\-/])\d{2}\s?[\-.]?\s?[A-Za-z]{1,2}\d?\s?[\-.]?\s?(?:\d{3}\.?\d{2}|\d{4})(?![\w])")


def _passports(normal: _Normal):
    spans = [(match.start(), match.end(), "passport") for match in _PASSPORT.finditer(normal.text)]
    for match in _PASSPORT_AFTER_WORD.finditer(normal.text):
        if _context(normal, match.start()) == "passport":
            spans.append((match.start(), match.end(), "passport"))
    return spans


def _plates(text: str):
    return [(match.start(), match.end(), "plate") for match in _PLATE.finditer(text)]


# --- street addresses -----------------------------------------------------------------------

# The words of an address, each followed by a number or a name ("ngõ 34", "phố Huế", "thôn Đông Hải").
_ADDRESS_WORDS = ("số nhà", "nhà số", "tổ dân phố", "khu phố", "khu dân cư", "đường", "phố", "ngõ", "ngách", "hẻm",
                  "kiệt", "tổ", "thôn", "ấp", "xóm", "khóm", "số")
_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_WORD = r"[\w]+"
_NAME_WORD = rf"[{_UPPER}][\w]*"
_HOUSE_NUMBER = r"(?:số\s+|so\s+)?\d+[A-Za-z]?(?:\s?[/\-]\s?\d+[A-Za-z]?)*"
_VALUE = rf"(?:{_HOUSE_NUMBER}(?:\s+{_NAME_WORD}){{0,4}}|{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})"


def _keyword_pattern(words) -> str:
    alternatives = []
    for word in sorted(words, key=len, reverse=True):
        alternatives.append(re.escape(word).replace(r"\ ", r"\s+"))
        plain = fold(word)
        if plain != word:
            alternatives.append(re.escape(plain).replace(r"\ ", r"\s+"))
    return "|".join(alternatives)


# The keyword in any case, the name after it with capitals ("tổ chức" is not an address, "tổ 5" is).
_ADDRESS = re.compile(rf"(?<![\w])(?i:{_keyword_pattern(_ADDRESS_WORDS)})\s*[:.]?\s*{_VALUE}(?![\w])")
# "số 12" alone is a counter or a document's number: an address only with a street after it.
_WEAK = re.compile(r"(?:số|so)\s*[:.]?\s*\d+[A-Za-z]?(?:\s?[/\-]\s?\d+[A-Za-z]?)*$", re.I)
# After these words the rest of the clause is an address: "địa chỉ: 12 Lý Thường Kiệt, P. Hồng Gai".
_LEADS = ("địa chỉ", "dia chi", "đ/c", "trú tại", "tru tai", "thường trú tại", "thuong tru tai", "tạm trú tại",
          "tam tru tai", "nhà tôi ở", "nha toi o", "ở tại", "o tai", "sống tại", "song tai", "nơi ở", "noi o")
_ADDRESS_LEAD = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(lead).replace(r"\ ", r"\s+") for lead in _LEADS) + r")"
                           r"\s*(?:là|la|tại|tai|ở|o)?\s*[:.]?\s*(?=\S)", re.I)
_CLAUSE_END = re.compile(r"[.;!?\n](?:\s|$)|$")


def _addresses(normal: _Normal):
    text = normal.text
    spans, weak = [], []
    for match in _ADDRESS.finditer(text):
        written = match.group()
        if normal.folded[max(0, match.start() - 6):match.start()].endswith("thanh "):
            continue  # "thành phố Hạ Long" is a city
        if _WEAK.fullmatch(written.strip()):
            weak.append((match.start(), match.end(), "address"))  # "số 12": an address only before a street
            continue
        keyword = written.split()[0].lower()
        # An unaccented keyword ("duong", "pho") counts only when the whole word is written without accents.
        if keyword in ("so", "duong", "pho", "ngo", "ngach", "hem", "kiet", "to", "thon", "ap", "xom", "khom"):
            value = written[len(keyword):].strip()
            if not value[:1].isdigit():
                continue
        spans.append((match.start(), match.end(), "address"))
    starts = {start for start, _end, _kind in spans}
    for start, end, kind in weak:
        gap = _JOIN.match(text, end)
        if gap.end() in starts:
            spans.append((start, end, kind))
    for lead in _ADDRESS_LEAD.finditer(text):
        end = _CLAUSE_END.search(text, lead.end()).start()
        end = min(end, lead.end() + 120)
        if end > lead.end():
            spans.append((lead.end(), end, "address"))
    return spans


# --- the filer's own name and address --------------------------------------------------------

_NAME_PARTS = re.compile(r"[^\W\d_]+", re.UNICODE)


def _named(normal: _Normal, value: str, kind: str):
    value = unicodedata.normalize("NFKC", "".join(char for char in value if unicodedata.category(char) != "Cf"))
    if kind == "address":
        return _own_address(normal, value)
    parts = [part for part in _NAME_PARTS.findall(value)]
    if not parts:
        return []
    spans = []
    folded_parts = [fold(part) for part in parts]
    # Any two or more parts in their order, whatever the case, accents or spacing between them.
    for size in range(len(parts), 1, -1):
        for chosen in itertools.combinations(range(len(parts)), size):
            pattern = r"\s*".join(re.escape(folded_parts[i]) for i in chosen)
            for match in re.finditer(rf"(?<![^\W_]){pattern}(?![^\W_])", normal.folded):
                spans.append((match.start(), match.end(), "name"))
    # The given name alone ("chị Quỳnh"): with its own accents or none, in any case.
    given, folded_given = parts[-1], folded_parts[-1]
    if len(parts) == 1 and len(given) < 3:
        return spans
    for match in re.finditer(rf"(?<![^\W_]){re.escape(folded_given)}(?![^\W_])", normal.folded):
        written = normal.text[match.start():match.end()]
        plain = fold(written) == written.lower()
        if not (plain or written.lower() == given.lower()):
            continue  # "ăn" is not "An"
        if len(given) < 3 and not written[:1].isupper():
            continue  # "an toàn" is not "An"
        spans.append((match.start(), match.end(), "name"))
    return spans


def _own_address(normal: _Normal, value: str):
    words = fold(value).replace(",", " ").split()
    if len(" ".join(words)) < 3:
        return []
    pattern = r"[\s,]*".join(re.escape(word) for word in words)
    return [(match.start(), match.end(), "address")
            for match in re.finditer(rf"(?<![^\W_]){pattern}(?![^\W_])", normal.folded)]


def fold_keep_length(text: str) -> str:
    """Like fold, but character by character, so that indexes match the original text."""
    return "".join((fold(char) or char)[:1] for char in text)
