"""Property-based tests of the masking: hypothesis writes personal data in the spellings people use
(tests/personal_data.py) inside ordinary sentences, and nothing of it may survive the masking."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.redaction import LABELS, find, mask
from tests import personal_data as pd

EXAMPLES = 250
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
# How many texts the tests below generate in all (reported with the suite's figures).
CORPUS_SIZE = EXAMPLES * (len(pd.KINDS) + 3)


@pytest.mark.parametrize("maker", pd.KINDS, ids=lambda maker: maker.__name__)
@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_every_spelling_is_masked(maker, rng):
    datum = maker(rng)
    text = pd.sentence(rng, datum)
    masked = mask(text)
    assert not pd.leaked(datum, masked), f"{text!r} → {masked!r}"
    assert any(label in masked for label in LABELS.values())


@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_the_filers_name_is_masked_whatever_its_accents_case_or_spacing(rng):
    name, _given = pd.person(rng)
    datum = pd.name_spelling(rng, name)
    text = pd.sentence(rng, datum)
    masked = mask(text, [(name, "name")])
    assert not pd.leaked(datum, masked), f"{name}: {text!r} → {masked!r}"


@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_several_pieces_in_one_text_are_all_masked(rng):
    name, _given = pd.person(rng)
    data = [maker(rng) for maker in rng.sample(pd.KINDS, 3)] + [pd.name_spelling(rng, name)]
    text = " ".join(pd.sentence(rng, datum) for datum in data)
    masked = mask(text, [(name, "name")])
    for datum in data:
        assert not pd.leaked(datum, masked), f"{text!r} → {masked!r}"


@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_findings_point_at_the_original_text(rng):
    """Each finding's place is in the text as written (zero-width characters, full-width digits and
    decomposed letters included), so that the review screen marks the right characters."""
    name, _given = pd.person(rng)
    data = [rng.choice(pd.KINDS)(rng), pd.name_spelling(rng, name)]
    text = " ".join(pd.sentence(rng, datum) for datum in data)
    found = find(text, [(name, "name")])
    assert found
    for finding in found:
        assert text[finding.start:finding.end] == finding.text
    assert [f.start for f in found] == sorted(f.start for f in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


@pytest.mark.parametrize("text", [
    "Tổ chức họp ở thành phố Hạ Long ngày 12/03/2025, phí 500.000 đồng.",
    "Phó Chủ tịch UBND áp dụng Nghị định số 61/2018/NĐ-CP và Quyết định số 123/QĐ-UBND.",
    "Tôi đến quầy số 3 lúc 9 giờ, năm 2025 có 8.035 hồ sơ theo Điều 12 Luật Đất đai 2024.",
    "Số tiền 123.456.789 đồng đã nộp, mã hồ sơ PA-26-7K4Q-9M2X.",
])
def test_ordinary_administrative_text_is_left_alone(text):
    assert mask(text) == text
