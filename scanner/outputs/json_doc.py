"""The versioned JSON document (schema ``cloudgov.findings/1``; see docs/findings-json.md
and scanner/outputs/findings-1.schema.json). Streamed: one finding at a time."""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
from collections import Counter
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from operator import attrgetter
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
    """Encodes findings fast, to UTF-8 bytes. A finding is its fingerprint, a head (its
    policy's id, area and titles, its status, severity and controls), the resource's
    reference, the middle (its message and evidence) and an end (the policy's remediation,
    no waiver). Heads, middles and ends repeat — a policy says the same few things across an
    estate, and findings share their message and evidence objects — so each distinct one is
    encoded once and reused, and a resource's reference is encoded once for its run of
    findings (a resource meets several policies, in the engine's order). The C encoder runs
    only on what varies; evidence is encoded where it is, not copied. Output equals
    finding_dict's."""

    #: at most this many heads and middles kept (shared ones repeat; the rest do not)
    LIMIT = 100_000

    def __init__(self, policies: Any, encode: Encoder) -> None:
        self._policies = policies
        self._encode = encode
        # by id of the controls and evidence: every finding is alive while the document is written
        self._heads: dict[tuple[str, str, str, int], tuple[Any, bytes, bytes]] = {}
        self._middles: dict[tuple[str, int], bytes] = {}

    def _head(self, key: tuple[str, str, str, int], f: Finding) -> tuple[Any, bytes, bytes]:
        """(the fingerprint's policy part, hashed, the head: ``",`` after the id up to the resource,
        the end: after the evidence, for a finding with no waiver and no location)."""
        pid = f.policy
        p = self._policies.get(pid)
        head = self._encode({"policy": pid, "status": f.status, "severity": f.severity,
                             "area": p.area if p else pid.split(".", 1)[0],
                             "title_en": p.title_en if p else "", "title_zh": p.title_zh if p else "",
                             "controls": list(f.controls)})[1:-1]
        end = self._encode({"remediation_en": p.remediation_en if p else "",
                            "remediation_zh": p.remediation_zh if p else "", "waiver": None})[1:]
        hit = (hashlib.sha256(f"{pid}\0".encode()), f'",{head},"resource":'.encode(), f",{end}".encode())
        if len(self._heads) < self.LIMIT:
            self._heads[key] = hit
        return hit

    def _middle(self, f: Finding) -> bytes:
        """``,"message":…,"evidence":…``."""
        return f",{self._encode({'message': f.message, 'evidence': f.evidence})[1:-1]}".encode()

    def _rest(self, f: Finding) -> bytes:
        """From the message to the end of a finding with a waiver or a location."""
        p = self._policies.get(f.policy)
        d: dict[str, Any] = {"message": f.message, "evidence": f.evidence,
                             "remediation_en": p.remediation_en if p else "",
                             "remediation_zh": p.remediation_zh if p else "", "waiver": waiver_dict(f)}
        if f.location:
            d["location"] = f.location
        return f",{self._encode(d)[1:]}".encode()

    def write(self, findings: Any, write: Any, first: bytes, sep: bytes, end: bytes) -> None:
        """The findings array's items, ``sep`` between them, a thousand per write."""
        heads, middles, new_head, new_middle = self._heads, self._middles, self._head, self._middle
        limit = self.LIMIT
        encode = self._encode
        hexlify = binascii.hexlify
        resource: Any = None
        ref = rid = b""
        opening = b'{"id":"'
        for start in range(0, len(findings), 1000):
            parts: list[bytes] = []
            extend = parts.extend
            between = first if start == 0 else sep
            for f in findings[start : start + 1000]:
                if f.resource is not resource:
                    resource = f.resource
                    ref, rid = _ref(resource, encode), resource.id.encode()
                key = (f.policy, f.status, f.severity, id(f.controls))
                hit = heads.get(key)
                policy_hash, head, rest = hit if hit is not None else new_head(key, f)
                if f.waiver is None and not f.location:
                    mkey = (f.message, id(f.evidence))
                    middle = middles.get(mkey)
                    if middle is None:
                        middle = new_middle(f)
                        if len(middles) < limit:
                            middles[mkey] = middle
                else:
                    middle, rest = self._rest(f), b""
                # Finding.fingerprint: sha256 of "policy\\0resource id", 32 hex digits, from a copy of
                # the policy's part hashed once
                fingerprint = policy_hash.copy()
                fingerprint.update(rid)
                extend((between, opening, hexlify(fingerprint.digest()[:16]), head, ref, middle, rest))
                between = sep
            write(b"".join(parts))
        write(end)


_REF = '{"id":%s,"provider":%s,"account":%s,"region":%s,"kind":%s,"native_type":%s,"name":%s}'


def _ref(r: Any, encode: Encoder) -> bytes:
    """``encode(r.ref())`` as UTF-8, each string escaped by the encoder's own function."""
    esc = encode_basestring
    try:
        text = _REF % (esc(r.id), esc(r.provider), esc(r.account), "null" if r.region is None else esc(r.region),
                       esc(r.kind), esc(r.native_type), esc(r.name))
    except TypeError:  # a field that is not a string
        text = encode(r.ref())
    return text.encode()


def summary(result: ScanResult) -> dict[str, Any]:
    """Counts by status, failed by severity and by area, in one pass over the findings."""
    cells: Counter = Counter(map(attrgetter("policy", "status", "severity"), result.findings))
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
    _FindingEncoder(result.policies, encode).write(findings, write, b"\n", b",\n", b"\n]}\n")


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
