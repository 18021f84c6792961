"""Create checklists from templates and sign their items; never commits."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import func, select

from app.modules.handover.models import HandoverItem

CHECKLISTS = Path(__file__).resolve().parents[3] / "workflows" / "checklists"
SIDES = ("leaver", "receiver")


def load_template(name: str = "generic") -> dict:
    """A checklist template from workflows/checklists/<name>.yaml."""
    return yaml.safe_load((CHECKLISTS / f"{name}.yaml").read_text(encoding="utf-8"))


def create_checklist(session, case_id: int, template: str = "generic") -> list[HandoverItem]:
    """Create the case's items from a template, once; returns the case's items."""
    existing = items_of(session, case_id)
    if existing:
        return existing
    items = [HandoverItem(case_id=case_id, position=index, title_zh=raw["zh_CN"],
                          title_en=raw["en"], category=raw.get("category", "work"))
             for index, raw in enumerate(load_template(template)["items"])]
    session.add_all(items)
    session.flush()
    return items


def items_of(session, case_id: int) -> list[HandoverItem]:
    """The case's checklist items in template order."""
    stmt = select(HandoverItem).where(HandoverItem.case_id == case_id)
    return list(session.scalars(stmt.order_by(HandoverItem.position, HandoverItem.id)))


def sign_item(session, item: HandoverItem, side: str, user_id: int, at: datetime) -> None:
    """Sign one item as the leaver or the receiver."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}")
    setattr(item, f"{side}_signed_at", at)
    setattr(item, f"{side}_signed_by", user_id)
    session.flush()


def unsigned_count(session, case_id: int) -> int:
    """Items still missing at least one of the two signatures."""
    missing = (HandoverItem.leaver_signed_at.is_(None)) | (HandoverItem.receiver_signed_at.is_(None))
    stmt = select(func.count()).select_from(HandoverItem).where(
        HandoverItem.case_id == case_id, missing)
    return session.scalar(stmt) or 0


def checklist_complete(session, case_id: int) -> bool:
    """True only when the case has items and every item carries both signatures."""
    return bool(items_of(session, case_id)) and unsigned_count(session, case_id) == 0
