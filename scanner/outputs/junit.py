"""JUnit XML: one testsuite per policy, one testcase per resource. FAIL → <failure>,
ERROR → <error>, WAIVED and NOT_APPLICABLE → <skipped> with the reason."""

from __future__ import annotations

from collections import defaultdict
from typing import IO, TYPE_CHECKING
from xml.etree import ElementTree as ET

from scanner.model import Finding, Status
from scanner.outputs.escape import xml_text as _x

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.junit.xml"


def _case(suite: ET.Element, f: Finding) -> None:
    r = f.resource
    case = ET.SubElement(
        suite,
        "testcase",
        classname=_x(f.policy),
        name=_x(r.id),
        file=_x(f.location["file"]) if f.location and f.location.get("file") else "",
    )
    if not case.get("file"):
        del case.attrib["file"]
    details = (
        f"{f.message}\nresource: {r.id}\nprovider: {r.provider} account: {r.account} region: {r.region}\n"
        f"controls: {', '.join(f.controls)}"
    )
    if f.status is Status.FAIL:
        el = ET.SubElement(case, "failure", message=_x(f.message), type=f.severity.value)
        el.text = _x(details)
    elif f.status is Status.ERROR:
        el = ET.SubElement(case, "error", message=_x(f.message), type="unknown")
        el.text = _x(details)
    elif f.status is Status.WAIVED:
        w = f.waiver
        why = f"waived by {w.id} until {w.expires}: {w.reason}" if w else "waived"
        ET.SubElement(case, "skipped", message=_x(why))
    elif f.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", message=_x(f"not applicable: {f.message}"))


def render(result: "ScanResult", stream: IO[str]) -> None:
    by_policy: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_policy[f.policy].append(f)
    root = ET.Element("testsuites", name="cloudgov")
    totals = defaultdict(int)
    for p in result.policies:
        items = by_policy.get(p.id, [])
        counts = {
            "tests": len(items),
            "failures": sum(f.status is Status.FAIL for f in items),
            "errors": sum(f.status is Status.ERROR for f in items),
            "skipped": sum(f.status in (Status.WAIVED, Status.NOT_APPLICABLE) for f in items),
        }
        suite = ET.SubElement(root, "testsuite", name=p.id, **{k: str(v) for k, v in counts.items()})
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="title", value=_x(p.title_en))
        ET.SubElement(props, "property", name="title_zh", value=_x(p.title_zh))
        ET.SubElement(props, "property", name="severity", value=p.severity.value)
        ET.SubElement(props, "property", name="controls", value=" ".join(p.controls))
        for f in items:
            _case(suite, f)
        for k, v in counts.items():
            totals[k] += v
    for k in ("tests", "failures", "errors", "skipped"):
        root.set(k, str(totals[k]))
    ET.indent(root, space=" ")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
