"""Generate the malformed-input corpus: one folder per input kind, each file a case that
must end in exit 2, one line on stderr, nothing written (tests/test_bad_corpus.py).

    .venv/bin/python tests/data/bad/generate.py     # rewrites tests/data/bad/<kind>/

Every kind gets the same generic hostile files (encodings, bombs, wrong shapes, unsafe YAML
tags) plus mutations of a valid document of that kind (wrong types and values in the fields
that matter). The valid bases are our own samples (samples/waivers.yaml, samples/vendors.yaml,
samples/exit-plans.yaml) and small documents written here; the hostile shapes follow the
classic published attacks (billion laughs, gzip bombs, CSV/XML injection are elsewhere).
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

FINDINGS = {
    "schema": "cloudgov.findings/1",
    "evaluated_at": "2026-05-01T00:00:00Z",
    "source": "corpus",
    "findings": [
        {"id": "f1", "policy": "mfa.root_account", "status": "FAIL", "severity": "critical",
         "resource": {"id": "arn:aws:iam::111111111111:root"}, "message": "no MFA"},
    ],
}
INVENTORY = {"format": "cloudgov.inventory", "version": 1, "encoding": "json", "collected_at": "2026-05-01T00:00:00Z",
             "sources": [], "resources": [], "relationships": [], "coverage_gaps": []}
CONFIG = "fail_on: high\nidentity: {unused_credentials_days: 90}\nhistory: {retention_days: 730}\n"
APPETITE = "concentration: {max_provider_share: 0.8, max_region_share: 0.9}\ntop_risks: 5\n"

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
) + "\n"
PYTHON_TAG = "!!python/object/apply:os.system ['echo pwned > /tmp/cloudgov-pwned']\n"


def _generic(ext: str) -> dict[str, bytes]:
    """Hostile files any input kind must refuse (ext: .yaml or .json)."""
    deep = ("[" * 5_000 + "]" * 5_000) if ext == ".json" else ("a: " + "[" * 5_000 + "]" * 5_000)
    cases = {
        "empty": b"",
        "whitespace": b"  \n\t\n",
        "binary": bytes(range(256)) * 4,
        "utf16-bom": "format: x\nname: 台灣\n".encode("utf-16"),
        "latin1": "name: caf\xe9 ma\xefs\n".encode("latin-1"),
        "nul-bytes": b"name: a\x00b\n",
        "deep-nesting": deep.encode(),
        "scalar": b"5\n",
        "string": b'"just a string"\n',
        "list": b"[1, 2, 3]\n",
        "truncated": b'{"format": "cloudgov' if ext == ".json" else b"a: [1, 2\nb: {c: \n",
    }
    if ext == ".yaml":
        cases |= {
            "billion-laughs": BILLION_LAUGHS.encode(),
            "python-object-tag": PYTHON_TAG.encode(),
            "impossible-date-top": b"expires: 2026-02-30\n",
            "tab-indent": b"a:\n\tb: 1\n",
            "duplicate-anchor-alias-loop": b"a: &x [*x]\n",
        }
    else:
        cases |= {
            "nan-literal": b'{"a": NaN, "b": Infinity}',
            "trailing-garbage": b'{"a": 1} {"b": 2}',
            "lone-surrogate": b'{"a": "\\ud800"}',
        }
    return cases


def _sub(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _yaml_mutations(base: str, subs: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    return {name: _sub(base, old, new).encode() for name, (old, new) in subs.items()}


def _json_mutations(base: dict, edits: dict[str, Callable[[dict], None]]) -> dict[str, bytes]:
    out = {}
    for name, edit in edits.items():
        doc = json.loads(json.dumps(base))
        edit(doc)
        out[name] = json.dumps(doc).encode()
    return out


def _f(field: str, value: object) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        doc["findings"][0][field] = value

    return edit


def _top(field: str, value: object) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        if value is _DELETE:
            doc.pop(field, None)
        else:
            doc[field] = value

    return edit


_DELETE = object()


#: optional overlays, where an empty file means "nothing to add" (valid, not a case)
_EMPTY_IS_VALID = ("empty", "whitespace")


def _overlay(cases: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in cases.items() if k not in _EMPTY_IS_VALID}


def kinds() -> dict[str, tuple[str, dict[str, bytes]]]:
    waivers = (ROOT / "samples" / "waivers.yaml").read_text(encoding="utf-8")
    vendors = (ROOT / "samples" / "vendors.yaml").read_text(encoding="utf-8")
    plans = (ROOT / "samples" / "exit-plans.yaml").read_text(encoding="utf-8")
    findings_edits = {
        "status-unknown": _f("status", "PASSED"),
        "status-lowercase": _f("status", "fail"),
        "status-number": _f("status", 1),
        "severity-unknown": _f("severity", "urgent"),
        "policy-missing": _f("policy", ""),
        "resource-string": _f("resource", "arn:aws:iam::1:root"),
        "resource-no-id": _f("resource", {"provider": "aws"}),
        "finding-not-mapping": lambda d: d.__setitem__("findings", [5]),
        "findings-mapping": _top("findings", {"a": 1}),
        "findings-missing": _top("findings", _DELETE),
        "schema-wrong": _top("schema", "cloudgov.findings/9"),
        "schema-missing": _top("schema", _DELETE),
        "evaluated-at-bad": _top("evaluated_at", "yesterday"),
        "evaluated-at-number": _top("evaluated_at", 20260501),
        "controls-not-list": _f("controls", "ETG:8.2.3"),
    }
    return {
        # a list of non-mappings is reported entry by entry and waives nothing (not exit 2)
        "waivers": (".yaml", {k: v for k, v in _overlay(_generic(".yaml")).items() if k != "list"} | _yaml_mutations(waivers, {
            "impossible-date": ("expires: 2027-03-31", "expires: 2027-02-30"),
            "unknown-policy": ("policy: residency.data_location", "policy: residency.nope"),
            "waivers-mapping": ("waivers:\n  - id: W-2026-001", "waivers: {a: 1}\nignored:\n  - id: W-2026-001"),
        })),
        "config": (".yaml", _overlay(_generic(".yaml")) | {
            "unknown-key": b"jurisdictions: {}\n",
            "days-negative": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: -5").encode(),
            "days-true": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: true").encode(),
            "days-inf": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: .inf").encode(),
            "days-nan": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: .nan").encode(),
            "days-fraction": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: 2.5").encode(),
            "retention-zero": _sub(CONFIG, "retention_days: 730", "retention_days: 0").encode(),
            "fail-on-unknown": _sub(CONFIG, "fail_on: high", "fail_on: urgent").encode(),
            "fail-on-list": _sub(CONFIG, "fail_on: high", "fail_on: [high]").encode(),
            "min-days-true": b"logging: {classes: {audit: {min_days: true}}}\n",
            "firm-name-bomb": (BILLION_LAUGHS.replace("a: &a", "x: &a") + "firm: {name: *i}\n").encode(),
            "firm-name-list": b"firm: {name: [a, b]}\n",
            "identity-scalar": b"identity: 5\n",
        }),
        "appetite": (".yaml", _overlay(_generic(".yaml")) | {
            "unknown-key": b"appetite_for_risk: lots\n",
            "share-above-one": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: 1.5").encode(),
            "share-negative": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: -0.1").encode(),
            "share-nan": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: .nan").encode(),
            "share-text": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: most").encode(),
            "count-true": _sub(APPETITE, "top_risks: 5", "top_risks: true").encode(),
            "count-zero": _sub(APPETITE, "top_risks: 5", "top_risks: 0").encode(),
            "count-inf": _sub(APPETITE, "top_risks: 5", "top_risks: .inf").encode(),
            "area-rate-above-one": b"areas: {mfa: {min_pass_rate: 2}}\n",
        }),
        "register": (".yaml", _generic(".yaml") | _yaml_mutations(vendors, {
            "rto-negative": ("rto_hours: 2\n", "rto_hours: -2\n"),
            "rto-inf": ("rto_hours: 2\n", "rto_hours: .inf\n"),
            "rto-nan": ("rto_hours: 2\n", "rto_hours: .nan\n"),
            "rto-true": ("rto_hours: 2\n", "rto_hours: true\n"),
            "rpo-text": ("rpo_hours: 0.25\n", "rpo_hours: quarter\n"),
            "impossible-date": ("approved_on: 2025-02-20", "approved_on: 2025-02-30"),
            "service-model-unknown": ("service_model: IaaS", "service_model: XaaS"),
            "duplicate-provider": ("  - id: nimbus-crm", "  - id: aws-tw"),
            "format-wrong": ("format: cloudgov.vendors", "format: cloudgov.vendorz"),
            "version-2": ("version: 1\n", "version: 2\n"),
            "providers-mapping": ("providers:\n  - id: aws-tw", "providers: {a: 1}\nignored:\n  - id: aws-tw"),
            "legal-name-list": ("legal_name: 台灣亞馬遜網路服務有限公司", "legal_name: [a, b]"),
        })),
        "exit-plans": (".yaml", _generic(".yaml") | _yaml_mutations(plans, {
            "transition-inf": ("transition_time: 1.5h", "transition_time: .inf"),
            "transition-nan": ("transition_time: 1.5h", "transition_time: .nan"),
            "transition-negative": ("transition_time: 1.5h", "transition_time: -3"),
            "transition-true": ("transition_time: 1.5h", "transition_time: true"),
            "transition-text": ("transition_time: 1.5h", "transition_time: soon"),
            "impossible-date": ("approved_on: 2025-01-20", "approved_on: 2025-01-32"),
            "strategy-unknown": ("strategy: another_provider", "strategy: run_away"),
            "format-wrong": ("format: cloudgov.exit-plans", "format: cloudgov.exit-planz"),
            "plans-mapping": ("plans:\n  - service: aws-tw/core-trading", "plans: {a: 1}\nx:\n  - service: aws-tw/core-trading"),
        })),
        "history": (".json", _generic(".json") | _json_mutations(FINDINGS, findings_edits)),
        "baseline": (".json", _generic(".json") | _json_mutations(FINDINGS, {
            k: v for k, v in findings_edits.items() if k not in ("findings-missing",)
        })),
        "inventory": (".json", _generic(".json") | _json_mutations(INVENTORY, {
            "version-9": _top("version", 9),
            "resources-mapping": _top("resources", {"a": 1}),
            "resource-not-mapping": _top("resources", [5]),
            "resource-missing-id": _top("resources", [{"provider": "aws"}]),
            "gap-not-mapping": _top("coverage_gaps", ["x"]),
        })),
    }


def main() -> None:
    for kind, (ext, cases) in kinds().items():
        folder = HERE / kind
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in sorted(cases.items()):
            (folder / f"{name}{ext}").write_bytes(data)
    gz = HERE / "inventory" / "gzip-garbage.json.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00garbage-not-deflate")
    (HERE / "inventory" / "gzip-truncated.json.gz").write_bytes(gzip.compress(json.dumps(INVENTORY).encode())[:20])


if __name__ == "__main__":
    main()
