"""Tracking codes and access keys: short, unambiguous, unguessable, with a check character.

A code reads ``PA-26-7K4Q-9M2X``: the kind (PA phản ánh, KN kiến nghị), the year, seven random
characters and a check character, in Crockford's base 32 (no I, L, O, U: nothing to confuse).
The check character is Luhn mod 32 over the whole code, so any single mistyped character and
most swapped neighbours are caught before a look-up is even tried.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
# What people type instead: letters that look like digits, and lower case.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
PREFIXES = {"complaint": "PA", "petition": "KN"}
RANDOM_LENGTH = 7
CODE_PATTERN = re.compile(r"^(PA|KN)-(\d{2})-([0-9A-Z]{4})-([0-9A-Z]{4})$")
ACCESS_KEY_LENGTH = 10


def check_character(payload: str) -> str:
    """Luhn mod 32 over ``payload`` (characters of ALPHABET)."""
    factor, total = 2, 0
    for char in reversed(payload):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_code(kind: str, year: int) -> str:
    prefix, yy = PREFIXES[kind], f"{year % 100:02d}"
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    check = check_character(prefix + yy + body)
    tail = body + check
    return f"{prefix}-{yy}-{tail[:4]}-{tail[4:]}"


def normalise(text: str) -> str:
    """The canonical form of what someone typed: upper case, look-alikes fixed, dashes placed."""
    raw = re.sub(r"[\s\-_.]", "", (text or "").upper())
    if len(raw) != 2 + 2 + RANDOM_LENGTH + 1:
        return raw
    prefix, rest = raw[:2], raw[2:].translate(_READ_AS)
    return f"{prefix}-{rest[:2]}-{rest[2:6]}-{rest[6:]}"


def is_valid(code: str) -> bool:
    match = CODE_PATTERN.match(code)
    if not match or any(char not in _VALUE for char in match.group(3) + match.group(4)):
        return False
    payload = match.group(1) + match.group(2) + match.group(3) + match.group(4)[:3]
    return check_character(payload) == match.group(4)[3]


def access_key_for(secret: str, submission: str) -> str:
    """The filer's private key, derived from the submission token.

    Derived rather than stored, so that a repeated submission (a double click, a retried API
    call with the same Idempotency-Key) answers with the same key; only its hash is stored.
    """
    digest = hmac.new(secret.encode(), b"access-key:" + submission.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(ACCESS_KEY_LENGTH))


def normalise_key(text: str) -> str:
    return re.sub(r"[\s\-]", "", (text or "").upper()).translate(_READ_AS)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
