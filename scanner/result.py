"""What one evaluation produced: findings, the policies and config they came from, and the
summary every output and the scan history read.

Kept apart from the engine so that outputs, storage and the web application depend on
this record, not on how it was computed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.model import CoverageGap, Finding, Severity, Status

if TYPE_CHECKING:
    from policies.registry import PolicySet
    from scanner.config import Config
    from scanner.source import Source

__all__ = ["ScanResult"]


@dataclass
class ScanResult:
    findings: list[Finding]
    policies: PolicySet
    config: Config
    source: str
    evaluated_at: str  # the "now" of evaluation (the inventory's collected_at)
    started_at: str
    coverage_gaps: list[CoverageGap] = field(default_factory=list)
    waiver_problems: list[str] = field(default_factory=list)
    inventory_sources: list[Source] = field(default_factory=list)
    resource_count: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. IaC baseline counts
    #: fingerprints kept in every output but left out of the exit code (a baseline's known failures)
    exit_code_exempt: set[str] = field(default_factory=set)

    def counts(self) -> Counter:
        return Counter(f.status for f in self.findings)

    def failing(self, threshold: Severity, *, errors_fail: bool = True) -> list[Finding]:
        statuses = {Status.FAIL, Status.ERROR} if errors_fail else {Status.FAIL}
        exempt = self.exit_code_exempt
        return [
            f
            for f in self.findings
            if f.status in statuses and f.severity.rank >= threshold.rank and not (exempt and f.fingerprint in exempt)
        ]

    def exit_code(self, threshold: Severity, *, errors_fail: bool = True) -> int:
        return 1 if self.failing(threshold, errors_fail=errors_fail) else 0

    def summary_line(self) -> str:
        c = self.counts()
        parts = [f"{c.get(s, 0)} {s.value.lower().replace('_', '-')}" for s in Status]
        return f"{len(self.findings)} findings over {self.resource_count} resources: " + ", ".join(parts)
