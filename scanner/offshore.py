"""ETG 8.6.3.3 as configuration: which data stores hold customer data of a material
natural-person customer system (重大性自然人客戶業務資訊系統), and which offshore locations
the regulator (主管機關) has approved.

The article: such customer data is stored in Taiwan in principle; stored offshore, its
important customer data keeps a backup in Taiwan *unless the regulator approved* the
offshore location. A waiver of ``residency.data_location`` is the firm's own acceptance
(board, CISO), not the regulator's approval, so it never stands in for one.

Both facts are the firm's to declare (cloudgov.yaml ``jurisdiction.*`` or resource tags);
an offshore store whose scope is not declared is unknown, never out of scope.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["OffshoreRules", "RegulatorApproval"]  # read from cloudgov.yaml by scanner.config (its schema)


@dataclass(frozen=True)
class RegulatorApproval:
    resources: tuple[str, ...]  # exact ids or globs (fnmatch), never substrings
    reference: str  # the approval's reference (文號)
    date: str = ""

    def covers(self, resource_id: str) -> bool:
        return any(resource_id == p or fnmatch.fnmatchcase(resource_id, p) for p in self.resources)


@dataclass(frozen=True)
class OffshoreRules:
    scope_tag: str = "cloudgov:material-natural-person"
    scope_accounts: frozenset[str] = frozenset()
    approval_tag: str = "cloudgov:regulator-approval"
    approvals: tuple[RegulatorApproval, ...] = ()

    @staticmethod
    def _tag(tags: Mapping[str, str], key: str) -> tuple[str, str] | None:
        for k in (key, key.replace(":", "-")):  # GCP labels cannot hold ':'
            if k in tags:
                return k, str(tags[k])
        return None

    def scope(self, resource_id: str, account: str, tags: Mapping[str, str]) -> tuple[bool | None, str]:
        """(holds customer data of a material natural-person system?, how that is known)."""
        hit = self._tag(tags, self.scope_tag)
        if hit is not None:
            key, value = hit
            v = value.strip().lower()
            if v in ("true", "yes"):
                return True, f"tag {key}={value}"
            if v in ("false", "no"):
                return False, f"tag {key}={value}"
            return None, f"tag {key} has {value!r}, neither true nor false"
        if account in self.scope_accounts:
            return True, f"account {account} is listed in jurisdiction.natural_person_systems.accounts"
        return None, (f"not declared: tag it {self.scope_tag}=true|false, or list its account in "
                      "jurisdiction.natural_person_systems.accounts")

    def approval(self, resource_id: str, tags: Mapping[str, str]) -> str | None:
        """The regulator's approval covering this resource (its reference), or None."""
        hit = self._tag(tags, self.approval_tag)
        if hit is not None and hit[1].strip():
            return f"{hit[1].strip()} (tag {hit[0]})"
        for a in self.approvals:
            if a.covers(resource_id):
                return a.reference + (f", {a.date}" if a.date else "") + " (jurisdiction.regulator_approvals)"
        return None
