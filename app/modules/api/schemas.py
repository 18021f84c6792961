"""The API's request and response shapes (marshmallow); flask-smorest turns them into OpenAPI 3.1."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from app.modules.api.models import WEBHOOK_EVENTS
from app.modules.auth.models import TOKEN_SCOPES

MAX_PAGE = 100
MAX_ID = 2_147_483_647  # ids and versions are 32-bit integers in the database
STR = {"validate": validate.Length(max=200)}


class FieldError(Schema):
    pointer = fields.String(required=True, metadata={"description": "JSON Pointer to the field"})
    detail = fields.String(required=True)


class Problem(Schema):
    """RFC 9457 problem details."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldError))


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PAGE))


class PageOf(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page of `item`s: {items, page, per_page, total, pages}."""
    return type(name, (PageOf,), {"items": fields.List(fields.Nested(item), required=True)})


# ---------------------------------------------------------------- employees

class PersonRef(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True, required=True)


class Employee(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    name_pinyin = fields.String(required=True)
    email = fields.String(allow_none=True, required=True)
    department = fields.String(allow_none=True, required=True)
    position = fields.String(allow_none=True, required=True)
    manager_no = fields.String(allow_none=True, required=True)
    hire_date = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("active", "leaving", "left")))


class EmployeeQuery(PageQuery):
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "Name, pinyin, initials or employee number"})


# ---------------------------------------------------------------- cases

class CaseEvent(Schema):
    event = fields.String(required=True)
    title = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    require = fields.List(fields.String(), required=True)
    reason = fields.String(allow_none=True, required=True)


class CaseState(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)


class CaseSummary(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    workflow_id = fields.String(required=True)
    definition_version = fields.Integer(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("active", "finished")))
    states = fields.List(fields.Nested(CaseState), required=True)
    outcome = fields.String(allow_none=True, required=True,
                            validate=validate.OneOf(("separated", "stayed", "cancelled")))
    employee_no = fields.String(required=True)
    last_day = fields.Date(allow_none=True, required=True)
    opened_at = fields.DateTime(required=True)


class Case(CaseSummary):
    facts = fields.Dict(required=True)
    events = fields.List(fields.Nested(CaseEvent), required=True,
                         metadata={"description": "The events the caller may fire now"})


class CaseCreate(Schema):
    workflow_id = fields.String(required=True, validate=validate.Length(min=1, max=60))
    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=20))
    facts = fields.Dict(keys=fields.String(), load_default=dict)


class CaseQuery(PageQuery):
    state = fields.String(load_default="", validate=validate.Length(max=60))
    workflow_id = fields.String(load_default="", validate=validate.Length(max=60))
    employee_no = fields.String(load_default="", validate=validate.Length(max=20))


class OpenableType(Schema):
    workflow_id = fields.String(required=True)
    title = fields.String(required=True)
    require = fields.List(fields.String(), required=True)
    optional = fields.List(fields.String(), required=True)
    own_only = fields.Boolean(required=True)


class EventFire(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    payload = fields.Dict(keys=fields.String(), load_default=dict)


# ---------------------------------------------------------------- handover

class Receiver(Schema):
    role = fields.String(required=True)
    employee_no = fields.String(allow_none=True, required=True)


class HandoverItem(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    title_en = fields.String(required=True)
    category = fields.String(required=True)
    receiver = fields.Nested(Receiver, required=True)
    status = fields.String(required=True,
                           validate=validate.OneOf(("pending", "handed_over", "confirmed", "disputed")))
    version = fields.Integer(required=True)
    due_on = fields.Date(allow_none=True, required=True)
    note = fields.String(required=True)
    evidence_required = fields.Boolean(required=True)
    dispute_reason = fields.String(required=True)


class Handover(Schema):
    case_id = fields.Integer(required=True)
    open = fields.Boolean(required=True, metadata={"description": "Items may still be signed"})
    successor = fields.Nested(PersonRef, allow_none=True, required=True)
    items = fields.List(fields.Nested(HandoverItem), required=True)


class SuccessorPut(Schema):
    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=20))


class HandOver(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class Confirm(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class Dispute(Confirm):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


# ---------------------------------------------------------------- documents

class Document(Schema):
    id = fields.Integer(allow_none=True, required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("ready", "generating", "retrying", "failed")))
    version = fields.Integer(allow_none=True, required=True)
    latest = fields.Boolean(required=True)
    code = fields.String(allow_none=True, required=True)
    sha256 = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(allow_none=True, required=True)


class VerifyUpload(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class Verification(Schema):
    genuine = fields.Boolean(required=True)
    kind = fields.String(allow_none=True, required=True)
    version = fields.Integer(allow_none=True, required=True)
    latest = fields.Boolean(required=True)
    latest_version = fields.Integer(allow_none=True, required=True)
    issued_on = fields.Date(allow_none=True, required=True)
    reference = fields.String(allow_none=True, required=True)


# ---------------------------------------------------------------- alumni, interviews, analytics

class AlumniQuery(PageQuery):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AlumniMatch(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    last_day = fields.Date(allow_none=True, required=True)
    eligibility = fields.String(allow_none=True, required=True)
    matched_on = fields.String(required=True)


class Interview(Schema):
    status = fields.String(required=True)
    starts_at = fields.DateTime(allow_none=True, required=True)
    minutes = fields.Integer(allow_none=True, required=True)
    location = fields.String(required=True)
    video_link = fields.String(required=True)
    interviewer = fields.String(allow_none=True, required=True)
    version = fields.Integer(required=True)


class InterviewSchedule(Schema):
    starts_at = fields.AwareDateTime(required=True, metadata={"description": "With its offset"})
    minutes = fields.Integer(load_default=45, validate=validate.Range(min=10, max=240))
    location = fields.String(load_default="", validate=validate.Length(max=200))
    video_link = fields.String(load_default="", validate=validate.Length(max=300))
    interviewer = fields.String(required=True, validate=validate.Length(min=1, max=80),
                                metadata={"description": "User name of an HR login"})
    version = fields.Integer(load_default=None, allow_none=True)


class TurnoverQuery(Schema):
    start = fields.String(data_key="from", load_default="", validate=validate.Length(max=7))
    end = fields.String(data_key="to", load_default="", validate=validate.Length(max=7))
    group_by = fields.String(data_key="group-by", load_default="department", validate=validate.Length(max=30))
    formula = fields.String(load_default="leavers_plus_end", validate=validate.Length(max=30))
    period = fields.String(load_default="month", validate=validate.Length(max=10))
    department = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID))


class Turnover(Schema):
    formula = fields.String(required=True)
    rows = fields.List(fields.Dict(), required=True)


# ---------------------------------------------------------------- webhooks and tokens

class WebhookCreate(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=500))
    events = fields.List(fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)), required=True,
                         validate=validate.Length(min=1))
    description = fields.String(load_default="", validate=validate.Length(max=200))


class Webhook(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    description = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class WebhookWithSecret(Webhook):
    secret = fields.String(required=True, metadata={"description": "Shown once: whsec_..."})


class Attempt(Schema):
    at = fields.DateTime(required=True)
    status_code = fields.Integer(allow_none=True, required=True)
    error = fields.String(required=True)
    duration_ms = fields.Integer(required=True)
    replay = fields.Boolean(required=True)


class Delivery(Schema):
    id = fields.Integer(required=True)
    message_id = fields.String(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("pending", "delivered", "failed")))
    attempts = fields.Integer(required=True)
    last_status_code = fields.Integer(allow_none=True, required=True)
    last_error = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True, required=True)
    attempt_log = fields.List(fields.Nested(Attempt), required=True)


class Me(Schema):
    username = fields.String(required=True)
    employee_no = fields.String(allow_none=True, required=True)
    roles = fields.List(fields.String(), required=True)
    scopes = fields.List(fields.String(validate=validate.OneOf(TOKEN_SCOPES)), required=True)
    service_account = fields.Boolean(required=True)


EmployeePage = page_schema(Employee, "EmployeePage")
CasePage = page_schema(CaseSummary, "CasePage")
AlumniPage = page_schema(AlumniMatch, "AlumniPage")
DeliveryPage = page_schema(Delivery, "DeliveryPage")
