"""SARIF 2.1.0: ``ruleId`` is the policy id; each result names its resource in
``locations[0].logicalLocations[0].fullyQualifiedName``. Only non-passing results appear:
FAIL (kind ``fail``), ERROR (kind ``review``: could not be evaluated) and WAIVED (a FAIL
with an accepted external suppression carrying the compensating control)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from scanner.model import Finding, Severity, Status
from scanner.outputs.common import NON_PASSING, TOOL, Encoder

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.sarif"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads this to rank security results (0.1–10)
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _cited(controls: Any) -> str:
    from policies.catalogue import load_catalogue

    cat = load_catalogue()
    return ", ".join(cat.cite(c) for c in controls)


def _rule(p: Any, docs: str | None) -> dict[str, Any]:
    from scanner.cite import cite_list
    from scanner.outputs.policy_doc import help_uri, policy_markdown

    rule = {
        "id": p.id,
        "name": "".join(part.title() for part in p.id.replace(".", "_").split("_")),
        "shortDescription": {"text": p.title_en},
        "fullDescription": {"text": f"{p.title_en} / {p.title_zh}"},
        # the policy's documentation travels with every rule: GitHub code scanning shows
        # help.markdown on the alert page, with or without a helpUri to link out to
        "help": {
            "text": f"{p.remediation_en}\n\n{p.remediation_zh}\n\nControls: {_cited(p.controls)}\n"
                    f"依據：{cite_list(tuple(p.controls), 'zh-TW')}",
            "markdown": policy_markdown(p),
        },
        "defaultConfiguration": {"level": _LEVEL[p.severity]},
        "properties": {
            "title_zh": p.title_zh,
            "area": p.area,
            "severity": p.severity.value,
            "controls": list(p.controls),
            "security-severity": _SECURITY_SEVERITY[p.severity],
            "tags": ["security", "compliance", p.area, *p.controls][:20],  # GitHub keeps at most 20
        },
    }
    uri = help_uri(p.id, docs)
    if uri:
        rule["helpUri"] = uri  # the policy's section of docs/policy-reference.md
    return rule


def _pseudo_location(r: Any) -> dict[str, Any]:
    # no file (a live scan): a stable per-resource path, so code scanning (which needs a
    # physical location on every result) keeps one alert per resource across runs
    from scanner.outputs.locate import resource_pseudo_path

    return {"artifactLocation": {"uri": resource_pseudo_path(r)}, "region": {"startLine": 1}}


def _location(f: Finding, pseudo: Callable[[Any], dict[str, Any]] = _pseudo_location) -> dict[str, Any]:
    r = f.resource
    loc: dict[str, Any] = {
        "logicalLocations": [
            {
                "fullyQualifiedName": r.id,
                "name": r.name or r.id,
                "kind": "resource",
            }
        ]
    }
    if f.location and f.location.get("file"):
        region: dict[str, Any] = {"startLine": int(f.location.get("start_line") or 1)}
        if f.location.get("end_line"):
            region["endLine"] = int(f.location["end_line"])
        uri = str(f.location["file"])
        artifact = {"uri": uri} if uri.startswith("file:") else {"uri": uri.lstrip("/"), "uriBaseId": "%SRCROOT%"}
        loc["physicalLocation"] = {"artifactLocation": artifact, "region": region}
    else:
        loc["physicalLocation"] = pseudo(r)
    return loc


def _result(f: Finding, index: int, pseudo: Callable[[Any], dict[str, Any]] = _pseudo_location) -> dict[str, Any]:
    r = f.resource
    res: dict[str, Any] = {
        "ruleId": f.policy,
        "ruleIndex": index,
        "message": {"text": f"{r.name or r.id}: {f.message}"},
        "locations": [_location(f, pseudo)],
        "partialFingerprints": {"cloudgovFinding/v1": f.fingerprint},
        "properties": {
            "status": f.status.value,
            "severity": f.severity.value,
            "controls": list(f.controls),
            "provider": r.provider,
            "account": r.account,
            "region": r.region,
            "resourceKind": r.kind,
            "nativeType": r.native_type,
            "evidence": f.evidence,  # encoded where it is (outputs.common.Encoder), not copied
        },
    }
    if f.status is Status.ERROR:
        res["kind"] = "review"
        res["level"] = "none"  # SARIF: a kind other than "fail" carries level "none"
    else:
        res["kind"] = "fail"
        res["level"] = _LEVEL[f.severity]
    if f.status is Status.WAIVED and f.waiver is not None:
        w = f.waiver
        res["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{w.id}: {w.reason}; compensating control (補償性措施): "
                f"{w.compensating_control}; owner {w.owner}, approved by {w.approver}, expires {w.expires}",
            }
        ]
    return res


def render(result: ScanResult, stream: IO[str], *, pretty: bool = False) -> None:
    from scanner.outputs.policy_doc import docs_base_url

    docs = docs_base_url()
    policies = list(result.policies)
    index = {p.id: i for i, p in enumerate(policies)}
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"coverage gap: {g.provider} {g.account} {g.region or 'global'} {g.service}: {g.code}: {g.message}"},
        }
        for g in result.coverage_gaps
    ] + [{"level": "warning", "message": {"text": f"waiver: {p}"}} for p in result.waiver_problems]
    doc = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL["name"],
                        "version": TOOL["version"],
                        # ours when known (see policy_doc.docs_base_url), never a made-up address
                        **({"informationUri": docs} if docs else {}),
                        "rules": [_rule(p, docs) for p in policies],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "automationDetails": {"id": f"cloudgov/{result.source}/{result.evaluated_at}"},
                "results": [],
            }
        ],
    }
    # streamed: the document around an empty results array, then one result at a time
    encode = Encoder(pretty)
    text = encode(doc)
    cut = text.rindex("[]")
    stream.write(text[:cut] + "[")
    sep = ",\n" if not pretty else ","
    first = True
    batch: list[str] = []
    # a resource's findings come together (the engine's order): its location is built once
    last: list[Any] = [None, None]

    def pseudo(r: Any) -> dict[str, Any]:
        if last[0] is not r:
            last[0], last[1] = r, _pseudo_location(r)
        return last[1]

    for f in result.findings:
        if f.status not in NON_PASSING:
            continue
        batch.append(encode(_result(f, index[f.policy], pseudo)))
        if len(batch) == 1000:
            stream.write(("\n" if first else sep) + sep.join(batch))
            first, batch = False, []
    if batch:
        stream.write(("\n" if first else sep) + sep.join(batch))
    stream.write(text[cut + 1 :] + "\n")
