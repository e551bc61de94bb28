"""Property-based test of the whole ``/api/v1`` from its own OpenAPI description
(schemathesis): whatever a client sends, valid or not, the answer is never a 5xx; input
that breaks the description (schemathesis' negative mode: wrong types, missing or extra
fields, out-of-range numbers, overlong strings) is refused with a 4xx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)

from zhian.core.services.tokens import do_create_token
from zhian.dispatch.models import Unit

pytestmark = pytest.mark.django_db

# The WSGI handler zhian.wsgi serves, without its process warm-up (gc.freeze would hold
# this test process's objects for good).
application = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Requests go straight to the app's WSGI handler, which (as in Django's own test
    client) must not close the test's database connection when a request ends."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(people: dict[str, Any], units: dict[str, Unit]) -> dict[str, str]:
    """A dispatcher's token, with the Helsinki bureau and its units in place."""
    _, secret = do_create_token(acting_user=people["dispatcher"], name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


# The description the app serves, read once at collection (it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


# The suite replays the same examples every run (derandomize) so CI is repeatable; for a
# wider search, run this file with ZHIAN_FUZZ_EXAMPLES=200 ZHIAN_FUZZ_RANDOM=1.
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("ZHIAN_FUZZ_EXAMPLES", "20")),
    derandomize=not os.environ.get("ZHIAN_FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_the_api_fail(case: Any, bearer: dict[str, str]) -> None:
    response = case.call(headers=bearer)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


negative = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
negative.config.generation.update(modes=[GenerationMode.NEGATIVE])


@negative.parametrize()
@settings(
    max_examples=int(os.environ.get("ZHIAN_FUZZ_EXAMPLES", "10")),
    derandomize=not os.environ.get("ZHIAN_FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_input_that_breaks_the_description_is_refused(case: Any, bearer: dict[str, str]) -> None:
    response = case.call(headers=bearer)
    case.validate_response(response, checks=[not_a_server_error, negative_data_rejection])
