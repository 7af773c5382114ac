"""Masking personal data before anything is shown to the public."""

from __future__ import annotations

import unicodedata

import pytest

from feedback.redaction import LABELS, mask

PHONE, EMAIL, ID, NAME, ADDRESS = (LABELS[key] for key in ("phone", "email", "id", "name", "address"))


@pytest.mark.parametrize("written", [
    "0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "+84912345678", "+84 912 345 678",
    "84912345678", "02438251234", "024 3825 1234", "024.3825.1234", "0389 999 111",
])
def test_phone_numbers_are_masked_however_they_are_written(written):
    masked = mask(f"Gọi cho tôi theo số {written} nhé.")
    assert masked == f"Gọi cho tôi theo số {PHONE} nhé."


def test_a_landline_with_its_area_code_in_brackets_is_masked():
    assert "3825" not in mask("Số máy bàn (024) 3825 1234.")


@pytest.mark.parametrize("written", ["an.nguyen@gmail.com", "Le_Thi+hoso@so-tu-phap.hanoi.gov.vn"])
def test_email_addresses_are_masked(written):
    assert mask(f"thư: {written}, cảm ơn") == f"thư: {EMAIL}, cảm ơn"


@pytest.mark.parametrize("number", ["001203004567", "123456789"])
def test_identity_numbers_of_12_and_9_digits_are_masked(number):
    assert mask(f"CCCD số {number} cấp năm 2021") == f"CCCD số {ID} cấp năm 2021"
    assert mask(f"số {number}.") == f"số {ID}."


@pytest.mark.parametrize("text", [
    "Tôi nộp hồ sơ năm 2025, phí 500.000 đồng, ngày 12/03/2025.",
    "Số tiền 1.000.000.000 đồng",
    "Mã hồ sơ 000.00.19.H46-250312-0001 theo Nghị định 61/2018/NĐ-CP",
    "Mười chữ số trong một mã: 12345678901234",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask(text) == text


def test_the_filers_name_and_address_are_masked_ignoring_case_and_diacritics():
    names = [("Nguyễn Văn An", "name"), ("12 Lý Thường Kiệt", "address")]
    assert mask("Tôi là Nguyễn Văn An, ở 12 Lý Thường Kiệt.", names) == f"Tôi là {NAME}, ở {ADDRESS}."
    assert mask("ông NGUYEN VAN AN và bà nguyễn văn an", names) == f"ông {NAME} và bà {NAME}"
    assert mask("Đỗ Đức Đạt gửi", [("do duc dat", "name")]) == f"{NAME} gửi"


def test_names_shorter_than_three_characters_are_not_masked():
    assert mask("An đã nộp hồ sơ", [("An", "name")]) == "An đã nộp hồ sơ"


def test_empty_text_gives_empty_text():
    assert mask(None) == "" and mask("") == ""


def test_a_name_typed_in_decomposed_unicode_is_masked():
    # The public text comes out composed (NFC), whatever form the filer's keyboard typed.
    text = unicodedata.normalize("NFD", "Tôi là Nguyễn Văn An.")
    assert mask(text, [("Nguyễn Văn An", "name")]) == "Tôi là " + NAME + "."
    assert mask("Tôi là Nguyễn Văn An.", [(unicodedata.normalize("NFD", "Nguyễn Văn An"), "name")]) == "Tôi là " + NAME + "."
