"""schemathesis against /api/v1/openapi.json on the live app, with a token of each role:
no 5xx, and every response (status, content type, headers, body) matches the document."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_fixtures import token_for

pytest_plugins = ["tests.handover_fixtures", "tests.api_fixtures"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
ALL_SCOPES = ("read", "write", "handover:sign", "admin")
EXAMPLES = 5


@pytest.fixture
def api_schema(app, session, people, clearance, shipped_workflows):
    """The app's own OpenAPI document, loaded as schemathesis loads any, and a case to aim at."""
    from app.modules.cases.operations import open_case, today

    open_case(people.leaver, "mutual_agreement", people.hr_user, requested_last_day=today().replace(day=1)
              .replace(year=today().year + 1))
    session.flush()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def tokens(session, people, clearance):
    """One token per role: employee, supervisor, HR, HR administrator, IT; all scopes."""
    users = (people.leaver_user, people.boss_user, people.hr_user, people.hr_admin_user, clearance.it)
    return [token_for(user, ALL_SCOPES) for user in users]


def _check(operation, tokens) -> None:
    """Examples of one operation, each sent with every role's token and checked."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def examples(case):
        for token in tokens:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    examples()


@pytest.mark.timeout(900)
def test_api_conforms_to_its_document_for_every_role(api_schema, tokens):
    """(schemathesis's own pytest plugin does not run under pytest 9: its operations are
    driven here with Hypothesis directly, as its Python API allows.)"""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    failures = []
    for operation in operations:
        try:
            _check(operation, tokens)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - every operation's failures are reported together
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
