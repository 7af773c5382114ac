"""Helpers and fixtures for the items tests: filings, files of each kind, counts (the web form and
signing in come from tests/helpers.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from feedback.auth.models import User
from feedback.extensions import db as _db
from feedback.items import services
from feedback.items.models import Item
from tests.helpers import FORM_BODY as BODY
from tests.helpers import PDF, PNG, TITLE, bearer, form_data, post_form, submission_token, token_for  # noqa: F401 - used by this folder



def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                                'package/2006/content-types"/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats'
                                              '.org/wordprocessingml/2006/main"/>')
    return buffer.getvalue()


def filing(**overrides) -> services.Filing:
    values = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY}
    values.update(overrides)
    return services.Filing(**values)


def count(app, model=Item, *where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return _db.session.scalar(query)


def user(email: str) -> User:
    return _db.session.scalar(select(User).where(User.email == email))


def item_by_code(code: str) -> Item:
    return _db.session.scalar(select(Item).where(Item.code == code))


def file_now(app, **overrides) -> tuple[str, str]:
    """File an item through the service and commit; returns (code, access key)."""
    with app.app_context():
        actor = overrides.pop("actor", None)
        item, key, _created = services.file_item(filing(**overrides), actor=user(actor) if actor else None)
        _db.session.commit()
        return item.code, key


@pytest.fixture
def procedures(app, staff):
    """One procedure of P.STP and one of P.XA."""
    from feedback.procedures.services import save_procedure
    from feedback.units.services import get_unit

    with app.app_context():
        save_procedure(None, code="1.001193.000.00.00.H46", name="Đăng ký khai sinh", field="Hộ tịch",
                       unit=get_unit("P.STP"), processing_days=3, fee=None, online_level=4, postal_return=False)
        save_procedure(None, code="2.000986.000.00.00.H46", name="Chứng thực bản sao", field="Chứng thực",
                       unit=get_unit("P.XA"), processing_days=1, fee=2000, online_level=3, postal_return=False)
        _db.session.commit()
    return {"dept": "1.001193.000.00.00.H46", "commune": "2.000986.000.00.00.H46"}
