"""schemathesis against a running service, generated from the service's own OpenAPI document.

For every operation, property-based requests (valid and invalid) are sent over
HTTP to a real uvicorn server on loopback. The checks: no 5xx, every status code
documented, every content type documented, every response valid against its
schema. The default run is bounded (``EXAMPLES`` per operation); with
``IIPRULES_SLOW=1`` the ``slow`` test runs many more.
"""

from __future__ import annotations

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from serve_helpers import ThreadServer

from iiprules.serve import Settings, create_app

#: The live server's settings (``conftest.live_server``).
SETTINGS = Settings(timeout_seconds=20.0)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

#: Examples per operation in the default (CI) run: enough to reach every status the
#: service answers, few enough for the suite's time budget on two shared cores.
EXAMPLES = 25


#: The document the service serves (built from the same settings; the first test
#: proves the running service serves exactly this one). schemathesis's lazy
#: fixture loader does not work under this pytest, so the schema is loaded here and
#: the requests go to the live server through ``base_url``.
DOCUMENT = create_app(SETTINGS).state.openapi
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_service_serves_this_document(live_server: ThreadServer) -> None:
    """/openapi.json of the running service is the document the tests are generated from."""
    assert DOCUMENT == httpx.get(f"{live_server.base}/openapi.json").json()

_COMMON = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "derandomize": True,
    "database": None,
}


@schema.parametrize()
@settings(max_examples=EXAMPLES, **_COMMON)
def test_every_operation_conforms(case: schemathesis.Case, live_server: ThreadServer) -> None:
    """No 5xx, documented status codes and content types, schema-valid responses."""
    case.call_and_validate(base_url=live_server.base, checks=CHECKS)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("IIPRULES_SLOW") != "1", reason="long run: IIPRULES_SLOW=1")
@schema.parametrize()
@settings(max_examples=1000, **_COMMON)
def test_every_operation_conforms_long(case: schemathesis.Case, live_server: ThreadServer
                                       ) -> None:
    """The same checks, forty times as many examples."""
    case.call_and_validate(base_url=live_server.base, checks=CHECKS)
