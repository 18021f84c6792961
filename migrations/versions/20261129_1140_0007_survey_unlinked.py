"""anonymous survey: no answered flag, used links as keyed marks, random response ids

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Answered invitations cannot be given a mark (the tokens are not stored), so their links
are invalidated instead (a random token_hash), in one statement that touches every
invitation row so that no row stands out. Responses are re-inserted in random order with
random ids, so neither their ids nor their physical order follow the order of answering.
"""
import random
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

RESPONSE_COLUMNS = ('month', 'department_code', 'separation_type', 'scores', 'overall')


def _responses_table(id_type):
    return sa.table('survey_responses', sa.column('id', id_type), sa.column('month', sa.String),
                    sa.column('department_code', sa.String), sa.column('separation_type', sa.String),
                    sa.column('scores', sa.JSON), sa.column('overall', sa.Integer))


def _create_responses(id_column):
    op.create_table('survey_responses',
    id_column,
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('separation_type', sa.String(length=40), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_month'), ['month'], unique=False)


def _rebuild_responses(old_id, new_id_column, make_id):
    """Read every response, drop the table, create it anew and insert them shuffled."""
    rows = [dict(r._mapping) for r in op.get_bind().execute(
        sa.select(*[sa.column(c) for c in RESPONSE_COLUMNS]).select_from(
            _responses_table(old_id)))]
    random.SystemRandom().shuffle(rows)
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_month'))
    op.drop_table('survey_responses')
    _create_responses(new_id_column)
    if rows:
        op.bulk_insert(_responses_table(new_id_column.type),
                       [{**row, 'id': make_id(n)} for n, row in enumerate(rows, start=1)])


def upgrade() -> None:
    bind = op.get_bind()
    invitations = sa.table('survey_invitations', sa.column('id', sa.Integer),
                           sa.column('token_hash', sa.String), sa.column('answered', sa.Boolean))
    answered = [row.id for row in bind.execute(
        sa.select(invitations.c.id).where(invitations.c.answered == sa.true()))]
    new_hash = {i: secrets.token_hex(32) for i in answered}
    bind.execute(invitations.update().values(token_hash=sa.case(
        new_hash, value=invitations.c.id, else_=invitations.c.token_hash)) if new_hash else
        invitations.update().values(token_hash=invitations.c.token_hash))
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_column('answered')
    op.create_table('survey_link_uses',
    sa.Column('mark', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('mark', name=op.f('pk_survey_link_uses'))
    )
    _rebuild_responses(sa.Integer, sa.Column('id', sa.String(length=32), nullable=False),
                       lambda n: secrets.token_hex(16))


def downgrade() -> None:
    # The marks cannot say which invitation was used, so every link is closed (answered):
    # failing closed loses unanswered links instead of letting used ones answer again.
    _rebuild_responses(sa.String, sa.Column('id', sa.Integer(), nullable=False), lambda n: n)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('survey_responses', 'id'), "
                   "coalesce(max(id), 0) + 1, false) FROM survey_responses")
    op.drop_table('survey_link_uses')
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.alter_column('answered', server_default=None)
