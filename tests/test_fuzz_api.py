"""The API fuzzed from its own OpenAPI document (schemathesis): no input makes it answer 5xx.

Bounded for CI: at most 50 generated requests per operation and backend. ``make fuzz`` runs the
same idea for 60 s against a running demo (``benchmarks/fuzz_api.py``). Schemathesis's pytest
plugin does not run under pytest 9 yet, so this test drives its Python API with Hypothesis.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.editions_factories import make_edition, make_pool, make_proposal
from tests.factories import make_municipality, make_user
from tests.examples import examples

MAX_EXAMPLES = examples(50)


def _never_a_server_error(operation) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call()
        assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"

    run()


def test_api_never_answers_with_a_server_error(app, session):
    # Something to find: a municipality with a published edition and a proposal (small ids are tried often).
    municipality = make_municipality(session, slug="fuzz")
    make_proposal(session, make_pool(session, make_edition(session, municipality)), make_user(session))
    session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        _never_a_server_error(operation)
