"""GET /api/v1/stats/units: on-time figures per unit and period."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import Blueprint

from feedback.errors import Invalid
from feedback.plugins.accountability.stats import unit_stats
from feedback.timeutil import local_today

stats_bp = Blueprint("api_stats", __name__, url_prefix="/api/v1/stats", description="Accountability figures (public)")


class StatsQuery(ma.Schema):
    date_from = ma.fields.Date(data_key="from", load_default=None, metadata={"description": "First day (local), "
                                                                                            "default: the 1st of this month"})
    date_to = ma.fields.Date(data_key="to", load_default=None, metadata={"description": "Last day (local), default: today"})


class UnitStats(ma.Schema):
    unit = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    received = ma.fields.Integer(required=True)
    answered = ma.fields.Integer(required=True)
    answered_on_time = ma.fields.Integer(required=True)
    answered_late = ma.fields.Integer(required=True)
    transferred_late = ma.fields.Integer(required=True, metadata={"description": "passed on to another unit after "
                                                                                 "their deadline: late for this unit"})
    open_overdue = ma.fields.Integer(required=True)
    on_time_rate = ma.fields.Float(allow_none=True, metadata={
        "description": "answered on time / (answered + transferred late + open and overdue), 0 to 1"})
    on_time_rate_low = ma.fields.Float(allow_none=True, metadata={"description": "95% Wilson interval, lower bound"})
    on_time_rate_high = ma.fields.Float(allow_none=True, metadata={"description": "95% Wilson interval, upper bound"})
    counted = ma.fields.Integer(required=True, metadata={"description": "the rate's denominator"})
    too_few = ma.fields.Boolean(required=True, metadata={"description": "fewer than RATE_MIN_ITEMS counted"})
    escalated = ma.fields.Integer(required=True, metadata={"description": "escalations of its items, every level"})
    mean_working_days = ma.fields.Float(allow_none=True)
    p90_working_days = ma.fields.Integer(allow_none=True)


class StatsPage(ma.Schema):
    date_from = ma.fields.Date(data_key="from", required=True)
    date_to = ma.fields.Date(data_key="to", required=True)
    units = ma.fields.List(ma.fields.Nested(UnitStats), required=True)


@stats_bp.route("/units", methods=["GET"])
@stats_bp.arguments(StatsQuery, location="query")
@stats_bp.response(200, StatsPage)
@stats_bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def units(query):
    """Received, answered on time and late, open and overdue, on-time rate, mean and 90th percentile of
    the time to answer in working days, for each unit over the period."""
    today = local_today()
    date_from = query["date_from"] or today.replace(day=1)
    date_to = query["date_to"] or today
    if date_to < date_from:
        raise Invalid(_("The period ends before it starts."), {"to": _("Give a day after “from”.")})
    if (date_to - date_from) > dt.timedelta(days=3 * 366):
        raise Invalid(_("The period is longer than three years."), {"to": _("Choose a shorter period.")})
    return {"date_from": date_from, "date_to": date_to, "units": unit_stats(date_from, date_to)}
