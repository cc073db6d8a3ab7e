"""The versioned JSON document (schema ``cloudgov.findings/1``; see docs/findings-json.md
and scanner/outputs/findings-1.schema.json). Streamed: one finding at a time."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import IO, TYPE_CHECKING, Any

from scanner.model import Finding, Status
from scanner.outputs.common import TOOL, Encoder, json_safe, waiver_dict

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.json"
SCHEMA = "cloudgov.findings/1"


def finding_dict(f: Finding, policy: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": f.fingerprint,
        "policy": f.policy,
        "status": f.status,  # StrEnum: encodes as its value
        "severity": f.severity,
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


def _catalogue_versions() -> dict[str, str]:
    from policies.catalogue import load_catalogue

    return load_catalogue().versions()


class _FindingEncoder:
    """Encodes findings fast, to UTF-8 bytes: each policy's texts (with its status and
    severity), each list of controls, each message and each shared evidence mapping, and each
    resource's reference (once for its run of findings: a resource meets several policies)
    are encoded once and reused; the evidence is encoded where it is, not copied. The C
    encoder runs only on what varies. Output equals finding_dict's."""

    #: at most this many encoded evidence mappings kept (shared ones repeat; the rest do not)
    LIMIT = 100_000

    def __init__(self, policies: Any, encode: Encoder) -> None:
        self._policies = policies
        self._encode = encode
        self._policy_parts: dict[tuple[str, str, str], tuple[bytes, bytes]] = {}
        # a resource's findings come together (the engine's order): the last one's reference
        self._resource: Any = None
        self._ref = b""
        self._controls: dict[tuple[str, ...], bytes] = {}
        self._messages: dict[str, bytes] = {}
        # by id: every finding (and so its evidence) is alive while the document is written
        self._evidence: dict[int, bytes] = {}

    def _policy(self, pid: str, status: str, severity: str) -> tuple[bytes, bytes]:
        key = (pid, status, severity)
        part = self._policy_parts.get(key)
        if part is None:
            p = self._policies.get(pid)
            d = self._encode
            head = d({"policy": pid, "status": status, "severity": severity,
                      "area": p.area if p else pid.split(".", 1)[0],
                      "title_en": p.title_en if p else "", "title_zh": p.title_zh if p else ""})[1:-1]
            tail = d({"remediation_en": p.remediation_en if p else "",
                      "remediation_zh": p.remediation_zh if p else ""})[1:-1]
            part = self._policy_parts[key] = (f"{head},".encode(), f",{tail},".encode())
        return part

    def __call__(self, f: Finding) -> bytes:
        d = self._encode
        if f.resource is not self._resource:
            self._resource, self._ref = f.resource, d(f.resource.ref()).encode()
        controls = self._controls.get(f.controls)
        if controls is None:
            controls = self._controls[f.controls] = d(list(f.controls)).encode()
        message = self._messages.get(f.message)
        if message is None:
            message = d(f.message).encode()
            if len(self._messages) < self.LIMIT:
                self._messages[f.message] = message
        evidence = self._evidence.get(id(f.evidence))
        if evidence is None:
            evidence = d(f.evidence).encode()
            if len(self._evidence) < self.LIMIT:
                self._evidence[id(f.evidence)] = evidence
        head, tail = self._policy(f.policy, f.status.value, f.severity.value)
        waiver = b"null" if f.waiver is None else d(waiver_dict(f)).encode()
        parts = [b'{"id":"', f.fingerprint.encode(), b'",', head, b'"controls":', controls, b',"resource":',
                 self._ref, b',"message":', message, b',"evidence":', evidence, tail, b'"waiver":', waiver]
        if f.location:
            parts += (b',"location":', d(f.location).encode())
        parts.append(b"}")
        return b"".join(parts)


def summary(result: ScanResult) -> dict[str, Any]:
    """Counts by status, failed by severity and by area, in one pass over the findings."""
    cells: Counter = Counter((f.policy, f.status, f.severity) for f in result.findings)
    by_status: Counter = Counter()
    failed_by_sev: Counter = Counter()
    by_area: dict[str, Counter] = {}
    for (policy, status, severity), n in cells.items():
        by_status[status.value] += n
        if status is Status.FAIL:
            failed_by_sev[severity.value] += n
        by_area.setdefault(policy.split(".", 1)[0], Counter())[status.value] += n
    return {
        "total": len(result.findings),
        "resources": result.resource_count,
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "failed_by_severity": dict(sorted(failed_by_sev.items())),
        "by_area": {a: {s.value: c.get(s.value, 0) for s in Status} for a, c in sorted(by_area.items())},
    }


def render(result: ScanResult, stream: IO[str], *, pretty: bool = False) -> None:
    """Streamed: the head, then one finding per line (compact), or indented with ``pretty``."""
    head = {
        "schema": SCHEMA,
        "tool": _tool(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        "evaluated_at": result.evaluated_at,
        "source": result.source,
        "scope": {
            "accounts": [{"provider": p, "account": a} for p, a in result.accounts],
            "inventory_sources": json_safe([s.to_dict() for s in result.inventory_sources]),
        },
        "config": {
            "allowed_countries": sorted(result.config.allowed_countries),
            "allowed_regions": sorted(result.config.allowed_regions),
            "fail_on": result.config.fail_on.value,
        },
        "summary": summary(result),
        # the version of each regulation's text the citations were verified against
        "catalogue": _catalogue_versions(),
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
    encode = Encoder(pretty)
    text = encode(head)
    stream.write(text[: text.rstrip().rfind("}")].rstrip() + (',\n  "findings": [' if pretty else ',"findings":['))
    findings = result.findings
    if pretty:
        get = result.policies.get
        one = lambda f: encode(finding_dict(f, get(f.policy))).replace("\n", "\n    ")  # noqa: E731
        _write_batched(findings, one, stream.write, "\n    ", ",\n    ", "\n  ]\n}\n")
        return
    # bytes straight to a UTF-8 file's buffer; any other stream gets the decoded text
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") == "utf8":
        stream.flush()
        write = buffer.write
    else:
        write = lambda b: stream.write(b.decode())  # noqa: E731
    _write_batched(findings, _FindingEncoder(result.policies, encode), write, b"\n", b",\n", b"\n]}\n")


def _write_batched(findings: Any, one: Any, write: Any, first: Any, sep: Any, end: Any) -> None:
    """The findings array's items, ``sep`` between them, a thousand per write (text or bytes alike)."""
    for start in range(0, len(findings), 1000):
        write(first if start == 0 else sep)
        write(sep.join([one(f) for f in findings[start : start + 1000]]))
    write(end)


def _tool() -> dict[str, Any]:
    from scanner.outputs.policy_doc import docs_base_url

    docs = docs_base_url()
    return {**TOOL, "information_uri": docs} if docs else dict(TOOL)
