"""The versioned JSON document (schema ``cloudgov.findings/1``; see docs/findings-json.md
and scanner/outputs/findings-1.schema.json). Streamed: one finding at a time."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import IO, TYPE_CHECKING, Any

from scanner.model import Finding, Status
from scanner.outputs.common import TOOL, json_safe, waiver_dict

if TYPE_CHECKING:
    from scanner.engine import ScanResult

FILENAME = "findings.json"
SCHEMA = "cloudgov.findings/1"


def finding_dict(f: Finding, policy: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": f.fingerprint,
        "policy": f.policy,
        "status": f.status.value,
        "severity": f.severity.value,
        "area": policy.area if policy else f.policy.split(".", 1)[0],
        "title_en": policy.title_en if policy else "",
        "title_zh": policy.title_zh if policy else "",
        "controls": list(f.controls),
        "resource": f.resource.ref(),
        "message": f.message,
        "evidence": json_safe(dict(f.evidence)),
        "remediation_en": policy.remediation_en if policy else "",
        "remediation_zh": policy.remediation_zh if policy else "",
        "waiver": waiver_dict(f),
    }
    if f.location:
        d["location"] = dict(f.location)
    return d


def summary(result: "ScanResult") -> dict[str, Any]:
    by_status = Counter(f.status.value for f in result.findings)
    failed_by_sev = Counter(f.severity.value for f in result.findings if f.status is Status.FAIL)
    by_area: dict[str, Counter] = {}
    for f in result.findings:
        by_area.setdefault(f.policy.split(".", 1)[0], Counter())[f.status.value] += 1
    return {
        "total": len(result.findings),
        "resources": result.resource_count,
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "failed_by_severity": dict(sorted(failed_by_sev.items())),
        "by_area": {a: {s.value: c.get(s.value, 0) for s in Status} for a, c in sorted(by_area.items())},
    }


def render(result: "ScanResult", stream: IO[str]) -> None:
    head = {
        "schema": SCHEMA,
        "tool": TOOL,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
        "evaluated_at": result.evaluated_at,
        "source": result.source,
        "scope": {
            "accounts": [{"provider": p, "account": a} for p, a in result.accounts],
            "inventory_sources": json_safe(result.inventory_sources),
        },
        "config": {
            "allowed_countries": sorted(result.config.allowed_countries),
            "allowed_regions": sorted(result.config.allowed_regions),
            "fail_on": result.config.fail_on.value,
        },
        "summary": summary(result),
        "policies": [
            {
                "id": p.id,
                "area": p.area,
                "title_en": p.title_en,
                "title_zh": p.title_zh,
                "severity": p.severity.value,
                "controls": list(p.controls),
            }
            for p in result.policies
        ],
        "coverage_gaps": [g.to_dict() for g in result.coverage_gaps],
        "waiver_problems": list(result.waiver_problems),
    }
    if result.extra:
        head["extra"] = json_safe(result.extra)
    dumps = json.JSONEncoder(ensure_ascii=False, indent=None, separators=(",", ": ")).encode
    text = json.dumps(head, ensure_ascii=False, indent=1)
    stream.write(text[: text.rstrip().rfind("}")].rstrip() + ',\n "findings": [')
    get = result.policies.get
    for i, f in enumerate(result.findings):
        stream.write(("\n  " if i == 0 else ",\n  ") + dumps(finding_dict(f, get(f.policy))))
    stream.write("\n ]\n}\n")
