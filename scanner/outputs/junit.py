"""JUnit XML for CI test widgets (GitLab, Jenkins, Azure DevOps): one testsuite per policy.

Only what the run's threshold makes a failure is a failing test case — FAIL → <failure>,
ERROR → <error> (when ERRORs fail the run) — so a merge request's widget shows what blocks
it, not hundreds of lines. Each suite also has one passing case for the rest of its
resources, and everything else (failures below the threshold, ERRORs that do not fail the
run, WAIVED) is kept as the suite's <properties>, one per finding, with the counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import IO, TYPE_CHECKING
from xml.etree import ElementTree as ET

from scanner.model import Finding, Severity, Status
from scanner.outputs.escape import xml_text as _x

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.junit.xml"


def _threshold(result: ScanResult) -> tuple[Severity, bool]:
    given = result.extra.get("threshold") or {}
    fail_on = Severity.parse(given["fail_on"]) if given.get("fail_on") else result.config.fail_on
    return fail_on, bool(given.get("errors_fail", True))


def _case(suite: ET.Element, f: Finding) -> None:
    r = f.resource
    case = ET.SubElement(suite, "testcase", classname=_x(f.policy), name=_x(r.id))
    if f.location and f.location.get("file"):
        case.set("file", _x(f.location["file"]))
        if f.location.get("start_line"):
            case.set("line", str(f.location["start_line"]))
    details = (
        f"{f.message}\nresource: {r.id}\nprovider: {r.provider} account: {r.account} region: {r.region}\n"
        f"severity: {f.severity.value}\ncontrols: {', '.join(f.controls)}"
    )
    tag, kind = ("failure", f.severity.value) if f.status is Status.FAIL else ("error", "unknown")
    el = ET.SubElement(case, tag, message=_x(f.message), type=kind)
    el.text = _x(details)


def _noted(f: Finding) -> tuple[str, str]:
    r = f.resource
    why = f.message
    if f.status is Status.WAIVED and f.waiver is not None:
        why = f"waived by {f.waiver.id} until {f.waiver.expires}: {f.message}"
    return _x(f"{f.status.value} {f.severity.value} {r.id}"), _x(why)


def render(result: ScanResult, stream: IO[str]) -> None:
    fail_on, errors_fail = _threshold(result)
    failing = {id(f) for f in result.failing(fail_on, errors_fail=errors_fail)}
    by_policy: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_policy[f.policy].append(f)
    root = ET.Element("testsuites", name="cloudgov")
    totals: Counter[str] = Counter()
    for p in result.policies:
        items = by_policy.get(p.id, [])
        blocking = [f for f in items if id(f) in failing]
        rest = len(items) - len(blocking)
        counts = {
            "tests": len(blocking) + (1 if rest or not items else 0),
            "failures": sum(f.status is Status.FAIL for f in blocking),
            "errors": sum(f.status is Status.ERROR for f in blocking),
            "skipped": 0,
        }
        suite = ET.SubElement(root, "testsuite", {"name": p.id, **{k: str(v) for k, v in counts.items()}})
        props = ET.SubElement(suite, "properties")
        for name, value in (("title", p.title_en), ("title_zh", p.title_zh), ("severity", p.severity.value),
                            ("controls", " ".join(p.controls)), ("fail_on", fail_on.value),
                            ("errors_fail", str(errors_fail).lower())):
            ET.SubElement(props, "property", name=name, value=_x(value))
        by_status = Counter(f.status for f in items)
        for status in Status:
            ET.SubElement(props, "property", name=f"count.{status.value}", value=str(by_status.get(status, 0)))
        for f in sorted((f for f in items if id(f) not in failing and f.status in (Status.FAIL, Status.ERROR,
                                                                                 Status.WAIVED)),
                        key=lambda f: (f.status.value, f.resource.id)):
            name, value = _noted(f)
            ET.SubElement(props, "property", name=name, value=value)
        for f in sorted(blocking, key=lambda f: f.resource.id):
            _case(suite, f)
        if rest or not items:
            ET.SubElement(suite, "testcase", classname=p.id,
                          name=f"{rest} other resource(s): nothing at or above {fail_on.value} fails")
        totals.update(counts)
    for k in ("tests", "failures", "errors", "skipped"):
        root.set(k, str(totals[k]))
    ET.indent(root, space=" ")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
