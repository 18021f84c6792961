"""handover evidence is its own kind of case file, apart from HR's legal evidence

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Files the leaver attached to a handover item were stored with kind "evidence", the kind of
HR's dismissal evidence, so that whoever could see one could see the other (and the Art 39
guard counted a handover receipt as evidence). They become "handover_evidence".
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

attachments = sa.table('case_attachments', sa.column('id', sa.Integer), sa.column('kind', sa.String))
items = sa.table('handover_items', sa.column('evidence_id', sa.Integer))


def _rekind(old: str, new: str) -> None:
    on_items = sa.select(items.c.evidence_id).where(items.c.evidence_id.is_not(None))
    op.get_bind().execute(attachments.update().where(attachments.c.kind == old,
                                                     attachments.c.id.in_(on_items))
                          .values(kind=new))


def upgrade() -> None:
    _rekind('evidence', 'handover_evidence')


def downgrade() -> None:
    _rekind('handover_evidence', 'evidence')
