"""Each call of the recorded tenant refused in turn (403): no resource of the refused call's
scope may silently disappear. A resource of the unfaulted scan is either still in the
inventory with the same kind, or covered by a coverage gap of its subscription or of the
tenant whose kinds include its kind (Azure's reads are tenant- or subscription-wide, so a
gap's region is None)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from azure_recorded import IDS, FakeCredential, tenant_exchanges

from scanner.connectors.azure.replay import Exchange, ReplayMiss, ReplayTransport
from scanner.connectors.azure.scan import ScanRequest, collect

REFUSED = {"error": {"code": "AuthorizationFailed", "message": "the client does not have authorization"}}


class Refusing(ReplayTransport):
    """The recording, except that whatever it does not hold is refused too: a refused call's
    fallback (users without signInActivity, say) is refused like the call itself."""

    def send(self, request: Any, **kwargs: Any) -> Any:
        try:
            return super().send(request, **kwargs)
        except ReplayMiss:
            from scanner.connectors.azure.replay import _response

            return _response(request, Exchange(request.method, request.url, 403, REFUSED))


def _label(ex: Exchange) -> str:
    path = ex.url.split("://", 1)[1].split("/", 1)[1]
    for name, value in IDS.items():
        path = path.replace(str(value).strip("/"), f"{{{name}}}")
    return f"{ex.method} {path} {'|'.join(ex.body_contains + ex.query_contains)[:40]}".strip()


CALLS = [(i, _label(ex)) for i, ex in enumerate(tenant_exchanges()) if ex.status < 400]


def _scan(exchanges: list[Exchange]):
    return collect(ScanRequest(), credential=FakeCredential(), transport=Refusing(exchanges))


@pytest.fixture(scope="module")
def baseline():
    return _scan(tenant_exchanges())


def _covered(r, gaps, tenant: str) -> bool:
    # "tenant": the tenant's id is not known yet when the subscription list itself is refused
    return any(g.account in (r.account, tenant, "tenant") and r.kind in g.kinds for g in gaps)


@pytest.mark.parametrize("index", [i for i, _ in CALLS], ids=[label for _, label in CALLS])
def test_a_refused_call_hides_nothing_silently(baseline, index):
    assert len(baseline.resources) > 20
    exchanges = tenant_exchanges()
    exchanges[index] = replace(exchanges[index], status=403, body=REFUSED, headers={})
    faulted = _scan(exchanges)
    new_gaps = [g for g in faulted.coverage_gaps if g not in baseline.coverage_gaps]
    assert new_gaps, f"{_label(exchanges[index])}: refused, yet no new coverage gap"
    kept = {(rid, r.kind) for rid, r in faulted.resources.items()}
    vanished = [r for rid, r in baseline.resources.items() if (rid, r.kind) not in kept]
    silent = [(r.kind, r.id) for r in vanished if not _covered(r, new_gaps, IDS["tenant"])]
    assert not silent, f"{_label(exchanges[index])}: {len(silent)} resources vanished with no gap: {silent[:5]}"
