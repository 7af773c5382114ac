"""Tracking codes and access keys: format, check character, and what people type."""

from __future__ import annotations

import random
import re

import pytest

from feedback.items import codes

ALPHABET = codes.ALPHABET


def make_code(prefix: str, yy: str, body: str) -> str:
    tail = body + codes.check_character(prefix + yy + body)
    return f"{prefix}-{yy}-{tail[:4]}-{tail[4:]}"


@pytest.mark.parametrize("kind, prefix", [("complaint", "PA"), ("petition", "KN")])
def test_new_codes_have_the_documented_shape_and_are_valid(kind, prefix):
    seen = set()
    for _ in range(200):
        code = codes.new_code(kind, 2026)
        assert re.fullmatch(rf"{prefix}-26-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", code), code
        assert codes.is_valid(code)
        assert codes.normalise(code) == code
        seen.add(code)
    assert len(seen) == 200  # seven random characters: no repeats in a small sample


def test_the_year_is_the_last_two_digits():
    assert codes.new_code("complaint", 2031).startswith("PA-31-")
    assert codes.new_code("petition", 2100).startswith("KN-00-")


def test_the_alphabet_has_no_look_alike_letters():
    assert len(ALPHABET) == 32 == len(set(ALPHABET))
    assert not set("ILOU") & set(ALPHABET)


def single_character_typos(code: str):
    """Every code that differs from ``code`` in exactly one character (dashes kept)."""
    for index, char in enumerate(code):
        if char == "-":
            continue
        for other in ALPHABET:
            if other != char:
                yield code[:index] + other + code[index + 1:]


def test_the_check_character_catches_every_single_character_typo():
    rng = random.Random(20260101)
    samples = [make_code(rng.choice(["PA", "KN"]), f"{rng.randrange(100):02d}",
                         "".join(rng.choice(ALPHABET) for _ in range(7))) for _ in range(40)]
    samples += [codes.new_code("complaint", 2026) for _ in range(10)]
    checked = 0
    for code in samples:
        assert codes.is_valid(code), code
        for typo in single_character_typos(code):
            assert not codes.is_valid(codes.normalise(typo)), f"{typo} (typo of {code}) passes the check"
            checked += 1
    assert checked == len(samples) * 12 * 31


def test_the_check_character_catches_typos_in_the_check_character_itself():
    code = make_code("PA", "26", "7K4Q9M2")
    for other in ALPHABET.replace(code[-1], ""):
        assert not codes.is_valid(code[:-1] + other)


def test_adjacent_swaps_in_the_random_part_are_mostly_caught():
    rng = random.Random(7)
    swaps = caught = 0
    for _ in range(200):
        code = make_code("PA", "26", "".join(rng.choice(ALPHABET) for _ in range(7)))
        raw = code.replace("-", "")
        for index in range(4, len(raw) - 1):
            if raw[index] == raw[index + 1]:
                continue
            swapped = raw[:index] + raw[index + 1] + raw[index] + raw[index + 2:]
            swaps += 1
            caught += not codes.is_valid(codes.normalise(swapped))
    assert caught / swaps > 0.9


def test_lower_case_and_missing_or_odd_separators_are_accepted():
    code = make_code("PA", "26", "7K4Q9M2")
    for typed in (code.lower(), code.replace("-", ""), code.replace("-", "").lower(), f"  {code.replace('-', ' ')} ",
                  code.replace("-", "."), code.replace("-", "_")):
        assert codes.normalise(typed) == code, typed
        assert codes.is_valid(codes.normalise(typed))


def test_look_alike_letters_read_as_digits():
    code = make_code("KN", "26", "0011V01")
    typed = code.replace("0", "O").replace("1", "I").replace("V", "U")
    typed = typed[:9] + typed[9:].replace("I", "L", 1)
    assert typed != code and "O" in typed and "I" in typed and "L" in typed and "U" in typed
    assert codes.normalise(typed) == code
    assert codes.normalise(typed.lower()) == code
    # ...but only after the prefix: "PA" and "KN" are letters.
    assert codes.normalise("pa26" + code.replace("-", "")[4:]).startswith("PA-26-")


def test_a_code_of_the_wrong_length_or_shape_is_not_valid():
    code = make_code("PA", "26", "7K4Q9M2")
    for bad in ("", "PA", code + "X", code[:-1], code.replace("PA", "XY", 1), "PA-2X-" + code[6:]):
        assert not codes.is_valid(codes.normalise(bad)), bad
    assert not codes.is_valid(code.replace("-", ""))  # is_valid wants the canonical form
    assert not codes.is_valid("XY-26-7K4Q-9M2X")


def test_access_keys_are_derived_from_the_submission_and_the_secret():
    key = codes.access_key_for("secret", "token-1")
    assert len(key) == codes.ACCESS_KEY_LENGTH and set(key) <= set(ALPHABET)
    assert codes.access_key_for("secret", "token-1") == key
    assert codes.access_key_for("secret", "token-2") != key
    assert codes.access_key_for("other secret", "token-1") != key


def test_access_keys_are_read_like_codes():
    key = "0123ABCDEV"
    assert codes.normalise_key("oi23-abcd eu") == "0123ABCDEV" == codes.normalise_key(key)
    assert codes.digest(codes.normalise_key("o123abcdev")) == codes.digest(key)
