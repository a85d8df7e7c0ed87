"""schemathesis fuzzes the intake API against its own /api/v1/openapi.json, over the live server with a valid
token: no server error, and every answer (status, content type, body) as the schema says."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# schemathesis's pytest plugin (from_fixture / parametrize) does not run under pytest 9, so the test drives
# its strategies with hypothesis directly: one bounded run per operation of the schema.
MAX_EXAMPLES = 40


def fuzz(operation, *, base_url: str, headers: dict, seen: dict[int, int]) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1

    call()


def test_the_api_answers_every_generated_request_as_its_schema_says(live_server, api_token, manager, settings, capsys):
    settings.DCC_RATE_LIMIT = "100000/minute"  # the fuzzer is not what the limit is for
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {api_token}"}
    statuses: dict[str, dict[int, int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} == {"/api/v1/leads", "/api/v1/leads/adf"}
    for operation in operations:
        fuzz(operation, base_url=live_server.url, headers=headers, seen=statuses.setdefault(operation.path, {}))
    with capsys.disabled():
        print(f"\nschemathesis: {statuses}")
    assert all(code < 500 for codes in statuses.values() for code in codes)
