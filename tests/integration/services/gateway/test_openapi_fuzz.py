"""A property-based fuzz of the OpenAPI document against a running gateway: no 5xx, and no
status, content type or body the document does not describe (a bounded number of examples)."""

from collections import Counter
from uuid import uuid4

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from libs.auth.tokens import mint_token
from redub.runtime.dev_stack import DevStack

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
EXAMPLES = 12  # per operation: bounded, so `make test` stays quick


def test_no_server_errors_and_only_documented_answers(gateway_stack: DevStack) -> None:
    url = gateway_stack.settings.gateway_url
    assert gateway_stack.settings.jwt_secret
    auth = {"Authorization": f"Bearer {mint_token(uuid4(), gateway_stack.settings.jwt_secret)}"}
    schema = schemathesis.openapi.from_url(f"{url}/v1/openapi.json")
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call_and_validate(base_url=url, headers=auth, checks=CHECKS)
            statuses[response.status_code] += 1

        fuzz()
    print(f"fuzzed {len(operations)} operations, {sum(statuses.values())} requests: {statuses}")
    assert not [s for s in statuses if s >= 500]
