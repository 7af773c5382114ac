"""Registers the item pages, and moves open items when units merge."""

from sqlalchemy import select

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_register_blueprints(app):
    from feedback.items.views import bp, staff_bp

    return [bp, staff_bp]


@hookimpl
def feedback_demo_loaded(province, session):
    from feedback.items.demo import load_demo_items

    load_demo_items(province)


@hookimpl(trylast=True)
def feedback_item_assignee(item):
    """The core's safe default: the head of the item's unit answers for it."""
    return item.unit.head if item.unit is not None and item.unit.head is not None else None


@hookimpl(trylast=True)
def feedback_item_may_answer(item, user):
    """The core's safe default: only the head of the item's unit publishes its answer."""
    return item.unit is not None and item.unit.head_id == user.id


@hookimpl
def feedback_units_merged(sources, successor, actor):
    """Open items pass to the successor; answered and closed ones stay with their old unit."""
    from feedback.extensions import db
    from feedback.items.models import Item
    from feedback.items.services import log
    from feedback.items.states import OPEN_STATUSES

    source_ids = [source.id for source in sources]
    open_items = db.session.scalars(select(Item).where(Item.unit_id.in_(source_ids), Item.status.in_(OPEN_STATUSES)))
    for item in open_items:
        old_unit = item.unit.code
        item.unit = successor
        if item.assignee is not None:
            item.assignee = successor.head
        log(item, "unit_merged", actor=actor, actor_kind="system", from_status=item.status, to_status=item.status,
            data={"from_unit": old_unit, "to_unit": successor.code})
