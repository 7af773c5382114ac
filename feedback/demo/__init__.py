"""The demo province: units, staff and procedures from the CSV files beside this module."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from feedback.auth.models import User, hash_password
from feedback.auth.services import create_user
from feedback.extensions import db
from feedback.pluginmanager import hook
from feedback.procedures.services import import_procedures
from feedback.units.models import Unit
from feedback.units.services import import_units

HERE = Path(__file__).parent
PROVINCE_CODE = "QN"


def load_demo(password: str) -> str:
    """Load (or refresh) the demo records; accounts that exist are left as they are."""
    units_created, _ = import_units((HERE / "units.csv").read_bytes())
    procedures_created, _ = import_procedures((HERE / "procedures.csv").read_bytes())
    units = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    known = set(db.session.scalars(select(User.email)))
    accounts, password_hash = 0, hash_password(password)
    with (HERE / "staff.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["email"] in known:
                continue
            create_user(row["email"], password, row["role"], unit=units.get(row["unit_code"]),
                        name=row["name"], title=row["title"], password_hash=password_hash)
            accounts += 1
    province = units[PROVINCE_CODE]
    hook().feedback_demo_loaded(province=province, session=db.session)
    db.session.flush()
    return (f"Demo province {province.name}: {units_created} units, {procedures_created} procedures, "
            f"{accounts} accounts created (password: {password}).")
