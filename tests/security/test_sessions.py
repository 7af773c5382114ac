"""Sessions and API tokens end together: sign-out, a new password, a disabled account, another unit
or role; tokens are listed and revoked by their owner and by administrators."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.auth.models import ApiToken, User
from tests.helpers import PASSWORD, login, user_id as _user_id

NEW_PASSWORD = "another long password"


def user_id(app, email: str) -> int:
    with app.app_context():
        return _user_id(email)


def browser(app, email=None):
    client = app.test_client()
    if email:
        login(client, email)
    return client


def signed_in(client) -> bool:
    """Whether this browser is still let into a staff page."""
    return client.get("/staff/items").status_code == 200


def token(client, email="officer@example.vn", password=PASSWORD, label="") -> dict:
    answer = client.post("/api/v1/auth/token", json={"email": email, "password": password, "label": label})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def works(client, bearer: str) -> bool:
    answer = client.get("/api/v1/items", headers={"Authorization": f"Bearer {bearer}"})
    assert answer.status_code in (200, 401), answer.get_data(as_text=True)
    return answer.status_code == 200


def copy_of(app, client):
    """Another browser holding the same session cookie (a stolen or copied cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_signing_out_ends_every_session_of_the_account_and_its_tokens(app, staff):
    desk, phone = browser(app, "officer@example.vn"), browser(app, "officer@example.vn")
    copied = copy_of(app, desk)
    bearer = token(desk)["token"]
    other_account = browser(app, "head@example.vn")
    assert signed_in(desk) and signed_in(phone) and signed_in(copied) and works(desk, bearer)

    assert desk.post("/logout").status_code == 302
    assert not signed_in(desk)
    assert not signed_in(copied), "a copy of the cookie taken before signing out still works"
    assert not signed_in(phone)
    assert not works(desk, bearer)
    assert signed_in(other_account)


def test_a_session_without_its_generation_is_not_let_in(app, staff):
    """A cookie signed before generations existed (the bare account number) is refused."""
    client = browser(app, "officer@example.vn")
    with client.session_transaction() as session:
        assert session["_user_id"].endswith(":0")
        session["_user_id"] = session["_user_id"].split(":")[0]
    assert not signed_in(client)


def test_changing_ones_password_ends_the_other_sessions_and_the_tokens(app, staff):
    here, elsewhere = browser(app, "officer@example.vn"), browser(app, "officer@example.vn")
    bearer = token(here)["token"]
    answer = here.post("/staff/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert answer.status_code == 302
    assert signed_in(here), "the browser that changed the password goes on"
    assert not signed_in(elsewhere)
    assert not works(here, bearer)
    assert login(browser(app), "officer@example.vn", NEW_PASSWORD)


@pytest.mark.parametrize(("current", "new", "field"), [
    ("wrong password!", NEW_PASSWORD, "current_password"),
    (PASSWORD, "short", "new_password"),
    (PASSWORD, PASSWORD, "new_password"),
])
def test_a_refused_password_change_changes_nothing(app, staff, current, new, field):
    here, elsewhere = browser(app, "officer@example.vn"), browser(app, "officer@example.vn")
    bearer = token(here)["token"]
    answer = here.post("/staff/account", data={"current_password": current, "new_password": new})
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert signed_in(here) and signed_in(elsewhere) and works(here, bearer)
    assert login(browser(app), "officer@example.vn", PASSWORD)


def edit(app, admin, email, **changes):
    from feedback.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        form = {"name": user.name, "title": user.title, "role": user.role,
                "unit": user.unit.code if user.unit else "", "password": "", "active": "y" if user.active else ""}
        address = f"/admin/users/{user.id}/edit"
    form.update(changes)
    form = {key: value for key, value in form.items() if value is not None}
    answer = admin.post(address, data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]


@pytest.mark.parametrize("changes", [
    {"active": None},  # unticked: the account is disabled
    {"unit": "P.XA"},
    {"role": "head"},
    {"password": NEW_PASSWORD},
], ids=["disabled", "moved to another unit", "another role", "new password"])
def test_an_administrator_who_changes_rights_or_password_ends_the_sessions_and_tokens(app, staff, changes):
    from feedback.extensions import db

    officer = browser(app, "officer@example.vn")
    bearer = token(officer)["token"]
    edit(app, browser(app, "admin@example.vn"), "officer@example.vn", **changes)
    assert not signed_in(officer)
    assert not works(officer, bearer)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.revoked_at)) is not None


def test_a_new_name_leaves_sessions_and_tokens_alone(app, staff):
    officer = browser(app, "officer@example.vn")
    bearer = token(officer)["token"]
    edit(app, browser(app, "admin@example.vn"), "officer@example.vn", name="Lê Thị Cán Bộ (mới)", title="Chuyên viên")
    assert signed_in(officer) and works(officer, bearer)


def test_an_administrator_ends_every_session_of_an_account_and_stays_signed_in_when_it_is_their_own(app, staff):
    officer, admin = browser(app, "officer@example.vn"), browser(app, "admin@example.vn")
    bearer = token(officer)["token"]
    answer = admin.post(f"/admin/users/{user_id(app, 'officer@example.vn')}/sessions/end", follow_redirects=True)
    assert answer.status_code == 200
    assert "officer@example.vn" in answer.get_data(as_text=True)
    assert not signed_in(officer) and not works(officer, bearer)

    elsewhere = browser(app, "admin@example.vn")
    admin.post(f"/admin/users/{user_id(app, 'admin@example.vn')}/sessions/end")
    assert signed_in(admin), "the administrator goes on in this browser"
    assert not signed_in(elsewhere)


# --- tokens ---------------------------------------------------------------------------------------


def test_the_owner_lists_and_revokes_tokens_through_the_api(app, client, staff):
    first = token(client, label="tổng đài 1022")
    second = token(client)
    headers = {"Authorization": f"Bearer {second['token']}"}
    listed = client.get("/api/v1/auth/tokens", headers=headers).get_json()["items"]
    assert [t["id"] for t in listed] == [second["id"], first["id"]]
    assert listed[1]["label"] == "tổng đài 1022" and listed[1]["valid"] is True
    assert all("token" not in t for t in listed), "a list never shows the token itself"

    answer = client.delete(f"/api/v1/auth/tokens/{first['id']}", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["valid"] is False
    assert not works(client, first["token"]) and works(client, second["token"])
    assert [t["id"] for t in client.get("/api/v1/auth/tokens", headers=headers).get_json()["items"]] == [second["id"]]
    everything = client.get("/api/v1/auth/tokens", headers=headers, query_string={"all": "true"}).get_json()["items"]
    assert {t["id"]: t["valid"] for t in everything} == {first["id"]: False, second["id"]: True}


def test_a_token_is_revoked_by_an_administrator_and_by_nobody_else(app, client, staff):
    officers = token(client, "officer@example.vn")
    heads = {"Authorization": f"Bearer {token(client, 'head@example.vn')['token']}"}
    admins = {"Authorization": f"Bearer {token(client, 'admin@example.vn')['token']}"}

    for answer in (client.delete(f"/api/v1/auth/tokens/{officers['id']}", headers=heads),
                   client.delete("/api/v1/auth/tokens/999999", headers=heads),
                   client.get("/api/v1/auth/tokens", headers=heads, query_string={"user": "officer@example.vn"})):
        assert answer.status_code == 404, answer.get_data(as_text=True)
    assert works(client, officers["token"])

    listed = client.get("/api/v1/auth/tokens", headers=admins, query_string={"user": "officer@example.vn"})
    assert [t["id"] for t in listed.get_json()["items"]] == [officers["id"]]
    assert client.delete(f"/api/v1/auth/tokens/{officers['id']}", headers=admins).status_code == 200
    assert not works(client, officers["token"])


def test_a_token_needs_a_token_to_be_listed_or_revoked(client, staff):
    officers = token(client)
    assert client.get("/api/v1/auth/tokens").status_code == 401
    assert client.delete(f"/api/v1/auth/tokens/{officers['id']}").status_code == 401
    assert works(client, officers["token"])


def test_a_token_label_has_a_limit(client, staff):
    answer = client.post("/api/v1/auth/token", json={"email": "officer@example.vn", "password": PASSWORD,
                                                     "label": "x" * 101})
    assert answer.status_code == 422
    assert "label" in answer.get_json()["error"]["fields"]


def test_the_account_page_lists_the_tokens_and_revokes_one(app, client, staff):
    kept, revoked = token(client, label="máy chủ báo cáo"), token(client, label="kịch bản cũ")
    officer = browser(app, "officer@example.vn")
    page = officer.get("/staff/account").get_data(as_text=True)
    assert "máy chủ báo cáo" in page and "kịch bản cũ" in page
    assert kept["token"] not in page and revoked["token"] not in page
    answer = officer.post(f"/staff/account/tokens/{revoked['id']}/revoke")
    assert answer.status_code == 302
    assert not works(client, revoked["token"]) and works(client, kept["token"])
    # Another member of staff cannot revoke it: it is absent for them.
    assert browser(app, "head@example.vn").post(f"/staff/account/tokens/{kept['id']}/revoke").status_code == 404
    assert works(client, kept["token"])


def test_the_administrator_revokes_a_token_from_the_account_page(app, client, staff):
    officers = token(client, label="tích hợp tổng đài")
    admin = browser(app, "admin@example.vn")
    officer_id = user_id(app, "officer@example.vn")
    assert "tích hợp tổng đài" in admin.get(f"/admin/users/{officer_id}/edit").get_data(as_text=True)
    # The token under another account's address is absent.
    assert admin.post(f"/admin/users/{user_id(app, 'head@example.vn')}/tokens/{officers['id']}/revoke").status_code == 404
    assert works(client, officers["token"])
    assert admin.post(f"/admin/users/{officer_id}/tokens/{officers['id']}/revoke").status_code == 302
    assert not works(client, officers["token"])
