"""Property-based tests of the JSON API against its own OpenAPI document (schemathesis):
no generated input — path, query or body — makes the server answer 500, signed in as a
role that may call the operation, over a database with the samples loaded."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402

from tests.web.conftest import add_user  # noqa: E402


@pytest.fixture
def api_schema(app):
    from scanner.store.db import session_scope
    from scanner.web import auth
    from scanner.web.access import PERMISSIONS
    from scanner.web.models import User
    from scanner.web.setup import load_samples

    load_samples(app.state.settings.db_url, app.state.settings.evidence_root)
    add_user(app, "fuzz", ["vendor_manager", "approver", "cloud_engineer", "auditor", "board_member"])
    with session_scope(app.state.engine) as s:
        user = s.query(User).filter_by(username="fuzz").one()
        mine = [p for p in PERMISSIONS if p in auth.permissions_of(user.roles)]
        _, token = auth.issue_token(s, user, "fuzz", mine)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    return schema


def test_no_server_error(api_schema):
    """Every operation of the document, 25 generated cases each (schemathesis' strategies
    driven by hypothesis directly: its pytest plugin does not load under this pytest)."""
    from hypothesis import given
    from schemathesis.checks import not_a_server_error

    ran, statuses, unauthorised = [], [], []
    for result in api_schema.get_all_operations():
        op = result.ok()

        @given(case=op.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            r = case.call_and_validate(checks=[not_a_server_error])
            statuses.append(r.status_code)
            if r.status_code == 401:
                unauthorised.append((case.method, case.formatted_path, r.text[:200]))

        check()
        ran.append(f"{op.method.upper()} {op.path}")
    assert len(ran) >= 15, ran
    # signed in for real: most answers are successes or refusals of bad input, not 401
    assert statuses.count(200) >= len(statuses) // 10 and not unauthorised, unauthorised[:5]
