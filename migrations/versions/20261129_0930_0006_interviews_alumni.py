"""exit interviews, anonymous surveys and the alumni archive

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('separation_type', sa.String(length=40), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_month'), ['month'], unique=False)

    op.create_table('alumni_lookups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('employee_ids', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alumni_lookups_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_lookups'))
    )
    with op.batch_alter_table('alumni_lookups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alumni_lookups_user_id'), ['user_id'], unique=False)

    op.create_table('alumni_account_shutdowns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_alumni_account_shutdowns_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alumni_account_shutdowns_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_account_shutdowns')),
    sa.UniqueConstraint('case_id', name=op.f('uq_alumni_account_shutdowns_case_id'))
    )
    op.create_table('alumni_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('separation_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('frozen', sa.JSON(), nullable=False),
    sa.Column('performance_summary', sa.Text(), nullable=False),
    sa.Column('eligibility', sa.String(length=20), nullable=False),
    sa.Column('eligibility_reason', sa.String(length=30), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('consent_offers', sa.Boolean(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_alumni_records_approver_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_alumni_records_case_id_cases')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_alumni_records_employee_id_employees')),
    sa.ForeignKeyConstraint(['separation_id'], ['separations.id'], name=op.f('fk_alumni_records_separation_id_separations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_records')),
    sa.UniqueConstraint('separation_id', name=op.f('uq_alumni_records_separation_id'))
    )
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alumni_records_eligibility'), ['eligibility'], unique=False)
        batch_op.create_index(batch_op.f('ix_alumni_records_employee_id'), ['employee_id'], unique=False)

    op.create_table('exit_interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('video_link', sa.String(length=300), nullable=False),
    sa.Column('interviewer_id', sa.Integer(), nullable=True),
    sa.Column('questionnaire', sa.String(length=60), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('confidential_notes', sa.Text(), nullable=False),
    sa.Column('reason_codes', sa.JSON(), nullable=False),
    sa.Column('primary_reason', sa.String(length=40), nullable=True),
    sa.Column('voluntary', sa.Boolean(), nullable=True),
    sa.Column('regrettable', sa.Boolean(), nullable=True),
    sa.Column('avoidable', sa.Boolean(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('not_held_reason', sa.Text(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_exit_interviews_case_id_cases')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_exit_interviews_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['interviewer_id'], ['users.id'], name=op.f('fk_exit_interviews_interviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exit_interviews')),
    sa.UniqueConstraint('case_id', name=op.f('uq_exit_interviews_case_id'))
    )
    op.create_table('survey_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('separation_type', sa.String(length=40), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('sent_month', sa.String(length=7), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_survey_invitations_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitations')),
    sa.UniqueConstraint('case_id', name=op.f('uq_survey_invitations_case_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_survey_invitations_token_hash'))
    )
    op.create_table('alumni_eligibility_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('old', sa.String(length=20), nullable=False),
    sa.Column('new', sa.String(length=20), nullable=False),
    sa.Column('reason_code', sa.String(length=30), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_alumni_eligibility_changes_approver_id_users')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_alumni_eligibility_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['alumni_records.id'], name=op.f('fk_alumni_eligibility_changes_record_id_alumni_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_eligibility_changes'))
    )
    with op.batch_alter_table('alumni_eligibility_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alumni_eligibility_changes_record_id'), ['record_id'], unique=False)

    op.create_table('alumni_rehires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('previous_record_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('previous_hire_date', sa.Date(), nullable=False),
    sa.Column('earlier_tenure_days', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_alumni_rehires_created_by_id_users')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_alumni_rehires_employee_id_employees')),
    sa.ForeignKeyConstraint(['previous_record_id'], ['alumni_records.id'], name=op.f('fk_alumni_rehires_previous_record_id_alumni_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_rehires')),
    sa.UniqueConstraint('previous_record_id', name=op.f('uq_alumni_rehires_previous_record_id'))
    )
    with op.batch_alter_table('alumni_rehires', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alumni_rehires_employee_id'), ['employee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alumni_rehires', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alumni_rehires_employee_id'))

    op.drop_table('alumni_rehires')
    with op.batch_alter_table('alumni_eligibility_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alumni_eligibility_changes_record_id'))

    op.drop_table('alumni_eligibility_changes')
    op.drop_table('survey_invitations')
    op.drop_table('exit_interviews')
    with op.batch_alter_table('alumni_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alumni_records_employee_id'))
        batch_op.drop_index(batch_op.f('ix_alumni_records_eligibility'))

    op.drop_table('alumni_records')
    op.drop_table('alumni_account_shutdowns')
    with op.batch_alter_table('alumni_lookups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alumni_lookups_user_id'))

    op.drop_table('alumni_lookups')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_month'))

    op.drop_table('survey_responses')
