"""Registers the item pages, and moves open items when units merge."""

from sqlalchemy import select

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_register_blueprints(app):
    from feedback.items.views import bp, staff_bp

    return [bp, staff_bp]


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.items.cli import audit_command

    cli.add_command(audit_command)


@hookimpl
def feedback_tick(now):
    """The retention of personal data (items closed longer than the configured period lose it), and
    attachments kept between two tries of a filing form forgotten once they are too old."""
    from feedback.items.kept import purge
    from feedback.items.services import erase_expired_personal_data

    cleared, purged = erase_expired_personal_data(now), purge(now)
    done = [f"personal data removed from {cleared} items closed long ago" if cleared else "",
            f"{purged} kept attachments forgotten" if purged else ""]
    return "; ".join(part for part in done if part) or None


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

    from feedback.items.services import ANSWER, ITEM
    from feedback.obligations import services as obligations
    from feedback.timeutil import utcnow

    source_ids = [source.id for source in sources]
    open_items = db.session.scalars(select(Item).where(Item.unit_id.in_(source_ids), Item.status.in_(OPEN_STATUSES)))
    for item in open_items:
        old_unit = item.unit.code
        item.unit = successor
        if item.assignee is not None:
            item.assignee = successor.head
        held = obligations.current(ITEM, item.id, ANSWER)
        if held is not None:
            # The successor holds the item from now on, with the same deadline.
            obligations.transfer(held, unit_id=successor.id, assignee_id=item.assignee.id if item.assignee else None,
                                 deadline=None, at=utcnow(), actor_id=actor.id if actor is not None else None,
                                 reason="unit_merged")
        log(item, "unit_merged", actor=actor, actor_kind="system", from_status=item.status, to_status=item.status,
            data={"from_unit": old_unit, "to_unit": successor.code})


@hookimpl
def feedback_obligation_types():
    from flask_babel import lazy_gettext as _l

    from feedback.obligations.services import ObligationType

    return [ObligationType("item", "answer", _l("Answer to a complaint or petition")),
            ObligationType("item", "routing", _l("Routing of an item to the unit that must answer it"))]


@hookimpl
def feedback_obligations_recounted(owner_type, changes, actor):
    """Items whose deadline moved with the calendar: keep the item's copy in step, and log the move."""
    if owner_type != "item":
        return
    from feedback.extensions import db
    from feedback.items.models import Item
    from feedback.items.services import log

    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_({change.obligation.owner_id for change in changes})))}
    for change in changes:
        item = items[change.obligation.owner_id]
        item.due_at = change.due_after
        db.session.expire(item, ["obligations"])
        log(item, "deadline_recalculated", actor=actor, from_status=item.status, to_status=item.status,
            data={"due_before": change.due_before.isoformat(), "due_after": change.due_after.isoformat()})


@hookimpl
def feedback_message_templates():
    from feedback.items.messages import TEMPLATES

    return TEMPLATES


@hookimpl
def feedback_item_filed(item):
    """The filer gets a receipt with the tracking code."""
    from feedback.items.messages import tell_filed

    tell_filed(item)


@hookimpl
def feedback_item_status_changed(item, old, new, actor, action, event):
    """The filer hears of each step; whoever gets the item hears of it."""
    from feedback.items.messages import tell_step

    tell_step(item, action, actor, event)
