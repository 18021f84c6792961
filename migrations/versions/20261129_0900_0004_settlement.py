"""settlement sheets and lines

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settlement_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('leave_days_taken', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('cumulative_work_years', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('non_compete_agreed', sa.Boolean(), nullable=False),
    sa.Column('non_compete_months', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_settlement_sheets_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_sheets')),
    sa.UniqueConstraint('case_id', name=op.f('uq_settlement_sheets_case_id'))
    )
    op.create_table('settlement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('override_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('overridden_by_id', sa.Integer(), nullable=True),
    sa.Column('overridden_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['overridden_by_id'], ['users.id'], name=op.f('fk_settlement_lines_overridden_by_id_users')),
    sa.ForeignKeyConstraint(['sheet_id'], ['settlement_sheets.id'], name=op.f('fk_settlement_lines_sheet_id_settlement_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_lines')),
    sa.UniqueConstraint('sheet_id', 'code', name=op.f('uq_settlement_lines_sheet_id_code'))
    )
    with op.batch_alter_table('settlement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_lines_sheet_id'), ['sheet_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('settlement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_lines_sheet_id'))

    op.drop_table('settlement_lines')
    op.drop_table('settlement_sheets')
