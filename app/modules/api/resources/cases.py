"""Cases: the types the caller may open, open one, list, read, fire an event."""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from sqlalchemy import and_

from app.clock import today as china_today
from app.db import db
from app.i18n import current_locale
from app.modules.api import schemas
from app.modules.api.auth import current_api_user, require_scope
from app.modules.api.blueprint import resource
from app.modules.api.idempotency import idempotent
from app.modules.api.presenters import case_data, case_summary, employee_by_number, page_data
from app.modules.api.resources.common import conflict, forbidden, load_case, not_found, refused
from app.modules.cases import access, operations, queries
from app.modules.cases.forms import event_form
from app.modules.cases.models import Case

bp = resource("api_cases", "Separation cases and their workflow events")


@bp.route("/cases/types")
@require_scope("read")
@bp.response(200, schemas.OpenableType(many=True))
def openable():
    """The separation types the caller may open, with the facts each needs."""
    return [{"workflow_id": t.workflow_id, "title": str(t.title), "require": list(t.require),
             "optional": list(t.optional), "own_only": t.own_only}
            for t in operations.openable_types(current_api_user())]


@bp.route("/cases")
class Cases(MethodView):
    @require_scope("read")
    @bp.arguments(schemas.CaseQuery, location="query")
    @bp.response(200, schemas.CasePage)
    def get(self, args):
        """The cases the caller may see, newest first; filter by state, type or employee."""
        user = current_api_user()
        visibility = access.visibility_clause(user)
        if args["employee_no"]:
            employee = employee_by_number(args["employee_no"])
            visibility = and_(visibility, Case.employee_id == (employee.id if employee else -1))
        filters = queries.QueueFilters(state=args["state"], workflow_id=args["workflow_id"], open_only=False)
        page = queries.queue(visibility, filters, args["page"], args["per_page"], china_today())
        locale = current_locale()
        return page_data(page, [case_summary(case, locale) for case in page.items])

    @require_scope("write")
    @idempotent
    @bp.arguments(schemas.CaseCreate)
    @bp.response(201, schemas.Case)
    def post(self, body):
        """Open a case of a type the caller may open (see /cases/types) with that type's facts."""
        user = current_api_user()
        employee = employee_by_number(body["employee_no"])
        if employee is None:
            raise refused("No employee has this number.", {"employee_no": "No employee has this number."})
        try:
            case = operations.open_case_for(user, body["workflow_id"], employee, body["facts"])
        except operations.CaseNotOpenable as error:
            db.session.rollback()
            raise forbidden(str(error)) from error
        except operations.FactsError as error:
            db.session.rollback()
            raise refused(str(error), {"facts": error.fields}) from error
        except operations.CaseError as error:
            db.session.rollback()
            raise refused(str(error)) from error
        db.session.commit()
        return case_data(case, user), 201, {"Location": url_for("api_cases.Case", case_id=case.id)}


@bp.route("/cases/<int(max=2147483647):case_id>", endpoint="Case")
@require_scope("read")
@bp.response(200, schemas.Case)
def get_case(case_id: int):
    """One case: state, facts, outcome, and the events the caller may fire now."""
    return case_data(load_case(case_id), current_api_user())


@bp.route("/cases/<int(max=2147483647):case_id>/events/<event>", methods=["POST"])
@require_scope("write")
@idempotent
@bp.arguments(schemas.EventFire)
@bp.response(200, schemas.Case)
def fire(body, case_id: int, event: str):
    """Fire a workflow event on the version the caller saw: 409 when stale, 403 when the
    caller's role may not, 422 with the guard's reason or the fields that are missing."""
    user = current_api_user()
    case = load_case(case_id)
    if body["version"] != case.version:
        raise conflict("The case changed since you read it; read it again and retry.")
    option = next((o for o in operations.case_events(case, user, current_locale()) if o.event == event), None)
    if option is None:
        raise forbidden("This step is not open to your role on this case now.")
    if not option.enabled:
        raise refused(str(option.reason or ""), type_="guard-refused")
    payload = _payload(event, option.require, body["payload"])
    result = operations.fire_case_event(case, event, user, body["version"], payload)
    if not result.ok:
        db.session.rollback()
        raise _refusal(result.refusal)
    db.session.commit()
    return case_data(case, user)


def _payload(event: str, require: tuple[str, ...], given: dict) -> dict:
    """The payload validated by the web's own fields for the event (dates, choices, required)."""
    from werkzeug.datastructures import MultiDict

    form = event_form(event, require, formdata=MultiDict(
        {f"{event}-{name}": "" if given.get(name) is None else str(given[name]) for name in require}))
    if not form.validate():
        fields = {name: errors for name, errors in form.errors.items() if name in require}
        raise refused("Some fields are missing or not valid.", {"payload": fields}, type_="validation")
    return {name: getattr(form, name).data for name in require}


def _refusal(refusal):
    message = str(operations.refusal_message(refusal))
    if refusal.code == "stale_version":
        return conflict(message)
    if refusal.code in ("not_allowed", "unknown_event", "final_state"):
        return forbidden(message)
    return refused(message, type_="guard-refused" if refusal.code == "guard_failed" else "refused")


__all__ = ["bp", "not_found"]
