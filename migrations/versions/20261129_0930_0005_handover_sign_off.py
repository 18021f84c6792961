"""per-item handover signatures, receivers, due dates and disputes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handover_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('signer_name', sa.String(length=120), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['handover_items.id'], name=op.f('fk_handover_signatures_item_id_handover_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_handover_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_signatures'))
    )
    with op.batch_alter_table('handover_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_signatures_item_id'), ['item_id'], unique=False)
        batch_op.create_index('uq_handover_signatures_active', ['item_id', 'side'], unique=True, sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))

    with op.batch_alter_table('handover_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('receiver_role', sa.String(length=20), server_default='successor', nullable=False))
        batch_op.add_column(sa.Column('receiver_employee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('evidence_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('evidence_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dispute_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index(batch_op.f('ix_handover_items_receiver_employee_id'), ['receiver_employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_items_status'), ['status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_handover_items_evidence_id_case_attachments'), 'case_attachments', ['evidence_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_handover_items_receiver_employee_id_employees'), 'employees', ['receiver_employee_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('handover_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handover_items_receiver_employee_id_employees'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_handover_items_evidence_id_case_attachments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_handover_items_status'))
        batch_op.drop_index(batch_op.f('ix_handover_items_receiver_employee_id'))
        batch_op.drop_column('version')
        batch_op.drop_column('removed_reason')
        batch_op.drop_column('removed_at')
        batch_op.drop_column('dispute_reason')
        batch_op.drop_column('evidence_id')
        batch_op.drop_column('note')
        batch_op.drop_column('status')
        batch_op.drop_column('evidence_required')
        batch_op.drop_column('due_on')
        batch_op.drop_column('receiver_employee_id')
        batch_op.drop_column('receiver_role')
        batch_op.drop_column('key')

    with op.batch_alter_table('handover_signatures', schema=None) as batch_op:
        batch_op.drop_index('uq_handover_signatures_active', sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_handover_signatures_item_id'))

    op.drop_table('handover_signatures')
