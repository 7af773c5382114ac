"""The row definitions of the results' downloads (one for CSV, XLSX and JSON alike)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from feedback.exports import Column, Rows

# The figures of a criterion or of a unit, in the same columns everywhere.
FIGURES = (
    Column("responses", _l("People who answered"), "int"),
    Column("answers", _l("Rated answers"), "int"),
    Column("satisfied", _l("Satisfied answers"), "int"),
    Column("satisfaction_rate", _l("Satisfaction rate"), "percent"),
    Column("ci_low", _l("Interval, lower bound"), "percent"),
    Column("ci_high", _l("Interval, upper bound"), "percent"),
    Column("mean", _l("Mean score (1-5)"), "float"),
    Column("target", _l("Target"), "percent"),
    Column("gap", _l("Gap to the target"), "percent"),
    Column("enough_answers", _l("Enough answers"), "bool"),
)

FIGURE_COLUMNS = (
    Column("period", _l("Month")),
    Column("unit", _l("Unit code")),
    Column("criterion", _l("Criterion key")),
    Column("label", _l("Criterion")),
    *FIGURES,
    Column("frozen", _l("Frozen"), "bool"),
)

UNIT_COLUMNS = (
    Column("rank", _l("Rank"), "int"),
    Column("unit", _l("Unit code")),
    Column("name", _l("Unit")),
    *FIGURES,
)


def file_name(found) -> str:
    place = found.unit.code if found.unit else "province"
    return f"{found.survey.code}-{place}-{found.month:%Y-%m}"


def results_rows(found) -> Rows:
    """The overall figure and one row per criterion of a ``Results``."""
    common = {"period": found.month.strftime("%Y-%m"), "unit": found.unit.code if found.unit else ""}
    rows = [{**common, **found.overall.as_dict(), "label": _("All criteria")}]
    rows += [{**common, **figure.as_dict(), "label": label} for _key, label, figure in found.criteria]
    return Rows(FIGURE_COLUMNS, rows, title=_("Satisfaction index"))


def unit_rows(month) -> Rows:
    """Every unit's overall figures of a frozen month (``results.province_month``), ranked first."""
    rows = [{"rank": row.rank, "unit": row.unit.code, "name": row.unit.name, **row.overall.as_dict()}
            for row in month["rows"]]
    return Rows(UNIT_COLUMNS, rows, title=_("Units"))
