"""A generator of Vietnamese personal data in the spellings people write, for the masking tests
(hypothesis drives the random source) and the leak crawl (a seeded one).

Each maker takes a ``random.Random`` and returns a :class:`Datum`: the text to put in an item, and
the ``needles`` that must not be found in anything public: digit strings (compared with the digits
of the page, whatever separators stand between them) and folded words.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

from feedback.text import fold

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
FULL_WIDTH = {str(digit): chr(0xFF10 + digit) for digit in range(10)}
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Xuân", "Quốc", "Thu")
GIVEN = ("Quỳnh", "Hương", "Tuấn", "Dũng", "Thảo", "Phượng", "Khánh", "Nhung", "Trường", "Hiếu", "Loan", "Đạt",
         "Duyên", "Thắng", "Yến", "Nghĩa", "Quyết", "Hạnh", "Tuyết", "Cường")
STREETS = ("Lê Lợi", "Trần Hưng Đạo", "Nguyễn Văn Cừ", "Hạ Long", "Bạch Đằng", "Lý Thường Kiệt", "Cao Thắng",
           "Hoàng Quốc Việt", "Điện Biên Phủ", "Nguyễn Trãi")
VILLAGES = ("Đông Hải", "Bình Thạnh", "Tân Lập", "Phú Mỹ", "Hòa Bình", "Yên Lạc", "Kim Sơn")
# Sentences around the datum: no digits, and none of the names above.
BEFORE = ("", "Tôi xin phản ánh: ", "Liên hệ ", "Cần gặp gấp, ", "Đề nghị trả lời qua ", "Kính gửi đơn vị, ",
          "Hồ sơ của tôi bị giữ quá hạn. ", "Xin hỏi ")
AFTER = ("", ".", " nhé.", ", cảm ơn.", " để được hướng dẫn.", "\nTrân trọng.", " (gọi trong giờ làm việc)", "!")
PHONE_PREFIXES = ("", "ĐT. ", "ĐT: ", "SĐT ", "SĐT:", "Tel.", "Tel: ", "Điện thoại: ", "DĐ ", "Zalo ", "số máy ",
                  "Hotline cá nhân ", "đt ")
ID_PREFIXES = ("CCCD ", "CCCD số ", "CCCD: ", "số CCCD ", "CMND ", "CMND số: ", "Căn cước công dân số ",
               "chứng minh nhân dân ", "số định danh cá nhân ")
MOBILE = ("032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "070", "076", "077", "078", "079",
          "081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098", "099")
AREA = ("0203", "0204", "0205", "0206", "0207", "0208", "0209", "0210", "0211", "0212", "0222", "0225", "0228",
        "0232", "0233", "0234", "0235", "0236", "0237", "0238", "0239", "024", "028")


@dataclass
class Datum:
    kind: str
    text: str
    needles: list[str] = field(default_factory=list)  # digit strings
    words: list[str] = field(default_factory=list)  # folded words or phrases
    # A name: any word that is this one with its own accents, or with none, in any case.
    names: list[str] = field(default_factory=list)


def digits_of(text: str) -> str:
    """``text`` normalised, with the separators between digits taken out: "0912.345 678" → "0912345678"."""
    text = unicodedata.normalize("NFKC", "".join(c for c in text if unicodedata.category(c) != "Cf"))
    return re.sub(r"(?<=\d)[\s.\-/()+]+(?=\d)", "", text)


class Shown:
    """A text as the needles are looked for in it, prepared once: its digits, its folded words, its words."""

    def __init__(self, text: str):
        normal = unicodedata.normalize("NFKC", text)
        self.digits = digits_of(text)
        self.folded = " " + " ".join(re.findall(r"\w+", fold(normal))) + " "
        self.words = set(re.findall(r"\w+", normal.lower()))


def leaked(datum: Datum, shown: str | Shown) -> list[str]:
    """The needles of ``datum`` that ``shown`` still holds."""
    shown = shown if isinstance(shown, Shown) else Shown(shown)
    found = [needle for needle in datum.needles if needle in shown.digits]
    found += [word for word in datum.words if f" {word} " in shown.folded]
    for name in datum.names:
        # The name with its own accents, or with none, in any case ("ăn" is another word than "An").
        found += sorted(word for word in {name.lower(), fold(name)} if word in shown.words)
    return found


def _sprinkle(rng: random.Random, text: str) -> str:
    """Zero-width characters and full-width digits here and there, as chat apps and IMEs leave them."""
    out = []
    full = rng.random() < 0.25
    for char in text:
        out.append(FULL_WIDTH.get(char, char) if full else char)
        if char.isdigit() and rng.random() < 0.1:
            out.append(rng.choice(ZERO_WIDTH))
    return "".join(out)


def _group(rng: random.Random, digits: str, sizes=None) -> str:
    if sizes is None:
        sizes = rng.choice(((4, 3, 3), (3, 3, 4), (3, 4, 3), (4, 6), (2, 4, 4), (10,), (3, 3, 3, 1)))
    separator = rng.choice((" ", ".", "-", "/", " . ", "", " - "))
    parts, index = [], 0
    for size in sizes:
        if index >= len(digits):
            break
        parts.append(digits[index:index + size])
        index += size
    if index < len(digits):
        parts.append(digits[index:])
    return separator.join(parts)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def phone(rng: random.Random) -> Datum:
    if rng.random() < 0.8:
        national = rng.choice(MOBILE) + _digits(rng, 7)
    else:
        area = rng.choice(AREA)
        national = area + _digits(rng, 11 - len(area))
    rest = national[1:]
    form = rng.randrange(6)
    if form == 0:
        written = _group(rng, national)
    elif form == 1:
        written = "+84" + rng.choice(("", " ")) + _group(rng, rest, (3, 3, 3, 2))
    elif form == 2:
        written = "+84 (0)" + rng.choice(("", " ")) + _group(rng, rest, (3, 3, 3, 2))
    elif form == 3:
        written = "(+84) " + _group(rng, rest, (2, 3, 4, 2))
    elif form == 4:
        written = "84" + rest
    else:
        written = "(" + national[:4] + ") " + _group(rng, national[4:], (3, 4))
    text = rng.choice(PHONE_PREFIXES) + _sprinkle(rng, written)
    return Datum("phone", text, needles=[rest[-8:]])


def identity(rng: random.Random) -> Datum:
    if rng.random() < 0.75:
        number = "0" + f"{rng.randrange(1, 97):02d}" + _digits(rng, 9)
        sizes = rng.choice(((3, 3, 3, 3), (4, 4, 4), (12,), (3, 3, 6)))
    else:
        number = str(rng.randrange(1, 10)) + _digits(rng, 8)
        sizes = rng.choice(((3, 3, 3), (9,)))
    separator = rng.choice((" ", ".", "", " ", "-"))
    written = separator.join(number[i:i + s] for i, s in zip(_offsets(sizes), sizes))
    text = rng.choice(ID_PREFIXES) + _sprinkle(rng, written)
    return Datum("id", text, needles=[number])


def _offsets(sizes):
    total, out = 0, []
    for size in sizes:
        out.append(total)
        total += size
    return out


def passport(rng: random.Random) -> Datum:
    number = rng.choice("BCNPK") + _digits(rng, 7)
    text = rng.choice(("hộ chiếu số ", "Hộ chiếu: ", "passport ", "số hộ chiếu ", "")) + number
    return Datum("passport", text, needles=[number[1:]])


def tax_code(rng: random.Random) -> Datum:
    number = f"{rng.randrange(1, 97):02d}" + _digits(rng, 8)
    written = number + (rng.choice(("-001", "-002", " - 003")) if rng.random() < 0.3 else "")
    text = rng.choice(("MST ", "MST: ", "mã số thuế ", "Mã số thuế: ", "mã số doanh nghiệp ")) + _sprinkle(rng, written)
    return Datum("tax_code", text, needles=[number])


def bank_account(rng: random.Random) -> Datum:
    number = str(rng.randrange(1, 10)) + _digits(rng, rng.randrange(7, 15))
    bank = rng.choice(("Vietcombank", "BIDV", "Agribank", "Techcombank", "MB Bank", "VPBank"))
    text = rng.choice((f"STK {number} {bank}", f"số tài khoản {number} tại {bank}", f"TK {bank}: {number}",
                       f"chuyển khoản vào tài khoản số {_group(rng, number, (4, 4, 4, 4, 4))}",
                       f"STK: {number}"))
    return Datum("bank_account", _sprinkle(rng, text), needles=[number])


def plate(rng: random.Random) -> Datum:
    province = f"{rng.randrange(11, 99):02d}"
    letters = rng.choice("ABCDEFGHKLMNPSTUVXYZ") + rng.choice(("", "", "D", "1", "2"))
    tail = _digits(rng, 5)
    written = rng.choice((f"{province}{letters}-{tail[:3]}.{tail[3:]}", f"{province}{letters} {tail}",
                          f"{province}-{letters} {tail[:3]}.{tail[3:]}", f"{province}{letters}{tail}"))
    text = rng.choice(("xe biển số ", "biển kiểm soát ", "xe ", "BKS ")) + written
    return Datum("plate", text, needles=[tail])


def address(rng: random.Random) -> Datum:
    number = f"{rng.randrange(1, 400)}"
    alley = f"{rng.randrange(1, 90)}"
    street = rng.choice(STREETS)
    village = rng.choice(VILLAGES)
    form = rng.randrange(8)
    if form == 0:
        text, words = f"số nhà {number} đường {street}", [number, fold(street)]
    elif form == 1:
        text, words = f"số {number} ngõ {alley} phố {street}", [number, alley, fold(street)]
    elif form == 2:
        text, words = f"hẻm {number}/{alley} đường {street}", [number, alley, fold(street)]
    elif form == 3:
        text, words = f"ngách {alley}/{number} ngõ {rng.randrange(1, 300)} {street}", [number, alley]
    elif form == 4:
        text, words = f"tổ {alley}, khu phố {rng.randrange(1, 20)}", [alley]
    elif form == 5:
        text, words = f"thôn {village}", [fold(village)]
    elif form == 6:
        text, words = f"ấp {village}", [fold(village)]
    else:
        text, words = f"nhà tôi ở {number} {street}", [number, fold(street)]
    if rng.random() < 0.2:
        text = text.replace(" ", "  ", 1)
    return Datum("address", text, words=words)


def person(rng: random.Random) -> tuple[str, str]:
    """A filer's name and given name."""
    given = rng.choice(GIVEN)
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {given}", given


def canary_person(rng: random.Random) -> tuple[str, str]:
    """A filer's name whose given name is found nowhere else ("Dũngxoan"), for crawls of whole pages,
    where a real given name may also be an ordinary word ("Dũng" written "dung", as in "nội dung")."""
    given = rng.choice(GIVEN) + rng.choice(("xoan", "khuê", "lam", "nhiên", "vy", "thư"))
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {given}", given


def name_spelling(rng: random.Random, name: str) -> Datum:
    """``name``, or a part of it with its given name, as people write it."""
    parts = name.split()
    form = rng.randrange(7)
    if form == 0:
        written = parts[-1]  # the given name alone
    elif form == 1:
        written = " ".join(parts[-2:])
    else:
        written = name
    if rng.random() < 0.3:
        written = fold(written)  # no accents
    case = rng.randrange(4)
    written = written.upper() if case == 0 else written.lower() if case == 1 else written
    spacing = rng.randrange(5)
    if spacing == 0:
        written = re.sub(" ", "  ", written)
    elif spacing == 1:
        written = written.replace(" ", "\u00a0")
    elif spacing == 2:
        written = written.replace(" ", "")
    elif spacing == 3:
        written = unicodedata.normalize("NFD", written)
    title = rng.choice(("", "chị ", "anh ", "ông ", "bà ", "Tôi là ", "người nộp: "))
    return Datum("name", title + written, names=[parts[-1]])


KINDS = (phone, identity, passport, tax_code, bank_account, plate, address)


def sentence(rng: random.Random, datum: Datum) -> str:
    return rng.choice(BEFORE) + datum.text + rng.choice(AFTER)
