"""Helpers for the accountability tests: a frozen clock, more staff, filing and acting through the API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from feedback.extensions import db as _db
from feedback.items.models import Item

from ...conftest import PASSWORD

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.timezone.utc

BODY = "Hồ sơ đăng ký khai sinh của con tôi nộp tại bộ phận một cửa đã quá hạn ba tuần mà chưa có kết quả."
TITLE = "Hồ sơ khai sinh bị trễ hạn"
ANSWER = "Đơn vị đã kiểm tra hồ sơ và trả kết quả cho công dân; xin cảm ơn ông/bà đã phản ánh."

# Modules that imported utcnow by name; feedback.timeutil itself is patched too, which moves
# local_today() (delegations, units' validity, the inbox) and run_tick()'s default `now`.
CLOCK_MODULES = (
    "feedback.timeutil",
    "feedback.items.services",
    "feedback.items.models",
    "feedback.plugins.accountability.stats",
    "feedback.plugins.accountability.views",
)


def local(year, month, day, hour=10, minute=0) -> dt.datetime:
    """An aware datetime in Asia/Ho_Chi_Minh."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def parse(value: str) -> dt.datetime:
    """A datetime from the API, as an aware datetime."""
    return dt.datetime.fromisoformat(value)


class Clock:
    def __init__(self, monkeypatch):
        self.now = dt.datetime.now(UTC)
        for module in CLOCK_MODULES:
            monkeypatch.setattr(f"{module}.utcnow", self)

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, when: dt.datetime) -> dt.datetime:
        self.now = when.astimezone(UTC)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The application's "now", frozen where the test puts it (the event log, filings, answers, stats)."""
    return Clock(monkeypatch)


@pytest.fixture
def people(app, staff):
    """The staff fixture plus a head for the province and the commune, a deputy and a commune officer."""
    from feedback.auth.services import create_user
    from feedback.units.services import get_unit

    with app.app_context():
        province, dept, commune = get_unit("P"), get_unit("P.STP"), get_unit("P.XA")
        create_user("tinh@example.vn", PASSWORD, "head", unit=province, name="Trần Quốc Tỉnh", title="Chủ tịch")
        create_user("xa@example.vn", PASSWORD, "head", unit=commune, name="Phạm Thị Xã", title="Chủ tịch UBND xã")
        create_user("pho@example.vn", PASSWORD, "officer", unit=dept, name="Hoàng Văn Phó", title="Phó Giám đốc")
        create_user("canbo.xa@example.vn", PASSWORD, "officer", unit=commune, name="Đỗ Văn Cán")
        _db.session.commit()
    return staff


def token(client, email: str = "admin@example.vn") -> dict:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def file_item(client, headers=None, *, received_at: dt.datetime | None = None, expect: int = 201, **fields) -> dict:
    """File through POST /api/v1/items (staff entry when headers carry a token)."""
    body = {"kind": "complaint", "topic": "procedure", "unit": "P.STP", "title": TITLE, "body": BODY}
    body.update(fields)
    if received_at is not None:
        body["received_at"] = received_at.isoformat()
        body.setdefault("channel", "in_person")
    response = client.post("/api/v1/items", json=body, headers=headers or {})
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()


def act(client, headers, code: str, action: str, expect: int = 200, **fields) -> dict:
    response = client.post(f"/api/v1/items/{code}/transitions", json={"action": action, **fields}, headers=headers)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()


def item(code: str) -> Item:
    _db.session.expire_all()
    return _db.session.scalar(select(Item).where(Item.code == code))


def count(model, *where) -> int:
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return _db.session.scalar(query)


def user_id(email: str) -> int:
    from feedback.auth.models import User

    return _db.session.scalar(select(User.id).where(User.email == email))


def login(client, email: str):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
