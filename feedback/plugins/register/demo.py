"""Demo reviews and ratings: heads review the public version of most demo items, and the filers of
some answered demo items say what they think of the answer."""

from __future__ import annotations

from sqlalchemy import select

from feedback.extensions import db
from feedback.items.models import Item
from feedback.plugins.register.models import PublicText, Rating, RegisterEntry
from feedback.plugins.register.services import rate, reindex, review

COMMENTS = [
    (True, "Đơn vị trả lời rõ ràng, đúng hẹn. Cảm ơn."),
    (True, ""),
    (False, "Câu trả lời chưa nêu rõ thời hạn trả kết quả hồ sơ."),
]


def load_demo_ratings(province) -> int:
    """Rate the first answered demo items (once: nothing is done when ratings exist)."""
    reindex()  # items filed before this plugin was installed
    review_demo_items()
    if db.session.scalar(select(Rating.id).limit(1)) is not None:
        return 0
    answered = db.session.scalars(select(Item).where(Item.status.in_(("responded", "closed"))).order_by(Item.id)).all()
    count = 0
    for item, (satisfied, comment) in zip(answered, COMMENTS):
        rate(item, satisfied, comment)
        count += 1
    return count


def review_demo_items() -> int:
    """The head of each unit confirms the automatic public version of its items in the register, but
    for every fourth one, which waits for its review as on any working day (once)."""
    if db.session.scalar(select(PublicText.item_id).where(PublicText.reviewed_at.is_not(None)).limit(1)) is not None:
        return 0
    items = db.session.scalars(select(Item).join(RegisterEntry, RegisterEntry.item_id == Item.id).order_by(Item.id)).all()
    count = 0
    for index, item in enumerate(items):
        reviewer = item.assignee or (item.unit.head if item.unit is not None else None)
        if index % 4 == 3 or reviewer is None:
            continue
        review(item, reviewer, title="", body="", answer="")
        count += 1
    return count
