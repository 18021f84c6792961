"""exit interview: the invitation's SEQUENCE, and addenda to a completed record

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

A moved or cancelled interview sends an update or a cancellation with the same UID and a
higher SEQUENCE (RFC 5546), counted in `ics_sequence`. A completed interview is read-only:
corrections are new rows in `interview_addenda`.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exit_interviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ics_sequence', sa.Integer(), server_default='0', nullable=False))
    op.create_table('interview_addenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_interview_addenda_author_id_users')),
    sa.ForeignKeyConstraint(['interview_id'], ['exit_interviews.id'],
                            name=op.f('fk_interview_addenda_interview_id_exit_interviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_addenda'))
    )
    with op.batch_alter_table('interview_addenda', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_addenda_interview_id'), ['interview_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('interview_addenda', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_addenda_interview_id'))
    op.drop_table('interview_addenda')
    with op.batch_alter_table('exit_interviews', schema=None) as batch_op:
        batch_op.drop_column('ics_sequence')
