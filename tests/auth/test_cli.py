"""`flask users create`: staff accounts from the command line."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.auth.models import User
from feedback.extensions import db
from feedback.units.models import Unit
from feedback.units.services import create_unit, get_unit

PASSWORD = "mat-khau-rat-dai-2025"


def make_units(app):
    with app.app_context():
        province = create_unit("HN", "Ủy ban nhân dân thành phố Hà Nội", "province")
        create_unit("HN.SYT", "Sở Y tế thành phố Hà Nội", "department", parent=province)
        db.session.commit()


def users(app) -> dict:
    with app.app_context():
        return {u.email: (u.role, u.unit.code if u.unit else None) for u in db.session.scalars(select(User))}


def head_of(app, code):
    with app.app_context():
        head = get_unit(code).head
        return head.email if head else None


def create(runner, *args, password=PASSWORD):
    return runner.invoke(args=["users", "create", *args, "--password-stdin"], input=password + "\n")


def test_create_head_makes_them_the_unit_head(app, runner):
    make_units(app)
    result = create(runner, "Truong.SYT@HaNoi.gov.vn", "--role", "head", "--unit", "HN.SYT",
                    "--name", "Trần Thị Hoa", "--title", "Giám đốc")
    assert result.exit_code == 0, result.output
    assert "truong.syt@hanoi.gov.vn" in result.output

    assert users(app) == {"truong.syt@hanoi.gov.vn": ("head", "HN.SYT")}
    assert head_of(app, "HN.SYT") == "truong.syt@hanoi.gov.vn"
    assert head_of(app, "HN") is None
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.name, user.title) == ("Trần Thị Hoa", "Giám đốc")
        assert user.check_password(PASSWORD)
        assert not user.check_password(PASSWORD + "\n")


def test_create_officer_and_admin(app, runner):
    make_units(app)
    assert create(runner, "canbo@hanoi.gov.vn", "--role", "officer", "--unit", "HN.SYT").exit_code == 0
    assert create(runner, "quantri@hanoi.gov.vn", "--role", "admin").exit_code == 0
    assert users(app) == {"canbo@hanoi.gov.vn": ("officer", "HN.SYT"), "quantri@hanoi.gov.vn": ("admin", None)}
    assert head_of(app, "HN.SYT") is None


def test_officer_without_unit_fails(app, runner):
    make_units(app)
    result = create(runner, "canbo@hanoi.gov.vn", "--role", "officer")
    assert result.exit_code != 0
    assert "unit" in result.output
    assert users(app) == {}


def test_head_of_an_unknown_unit_fails(app, runner):
    make_units(app)
    result = create(runner, "truong@hanoi.gov.vn", "--role", "head", "--unit", "HN.KHONG-CO")
    assert result.exit_code != 0
    assert "HN.KHONG-CO" in result.output
    assert users(app) == {}


def test_short_password_fails(app, runner):
    make_units(app)
    result = create(runner, "truong.syt@hanoi.gov.vn", "--role", "head", "--unit", "HN.SYT", password="ngan")
    assert result.exit_code != 0
    assert "password" in result.output and "10" in result.output
    assert users(app) == {}
    assert head_of(app, "HN.SYT") is None


def test_duplicate_email_fails(app, runner, staff):
    before = users(app)
    result = create(runner, "HEAD@example.vn", "--role", "head", "--unit", staff["commune"])
    assert result.exit_code != 0
    assert "email" in result.output
    assert users(app) == before
    assert head_of(app, staff["commune"]) is None
    assert head_of(app, staff["dept"]) == "head@example.vn"


def test_invalid_email_and_role(app, runner):
    make_units(app)
    result = create(runner, "khong-phai-email", "--role", "admin")
    assert result.exit_code != 0
    assert "email" in result.output
    result = create(runner, "ai@hanoi.gov.vn", "--role", "citizen")
    assert result.exit_code != 0
    assert "citizen" in result.output
    assert users(app) == {}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 2
