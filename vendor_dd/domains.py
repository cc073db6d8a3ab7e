"""The vocabulary of the register: clause types, review domains, parties, evidence kinds.

Each item keeps the regulation text it comes from, so the register, the checks and the
documentation speak the same language. Ids here are stored in the database and in the
YAML register: never rename one, add a new one instead.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Term",
    "CLAUSES",
    "CLAUSE_STATUSES",
    "REVIEW_DOMAINS",
    "DOMAIN_RESULTS",
    "AUDIT_PARTIES",
    "SERVICE_MODELS",
    "SUBSTITUTABILITY",
    "EVIDENCE_KINDS",
    "ASSURANCE_KINDS",
    "DEFAULT_CADENCE_DAYS",
    "EXPIRY_WARNING_DAYS",
    "choice",
]


@dataclass(frozen=True)
class Term:
    id: str
    title_en: str
    title_zh: str
    source: str  # control id in policies/catalogue, e.g. ETG:6.2


#: Contract clauses the register tracks, one record per clause and contract.
CLAUSES: dict[str, Term] = {
    t.id: t
    for t in (
        Term("audit_right_firm", "Audit right for the firm", "本公司查核權", "ETG:6.2"),
        Term("audit_right_regulator", "Audit right for the regulator", "主管機關查核權", "ETG:6.2"),
        Term("audit_right_association", "Audit right for the trade association", "同業公會查核權", "ETG:6.2"),
        Term("data_ownership", "Data ownership, no use beyond the task", "資料所有權及不得為委託範圍外利用", "ETG:5.2"),
        Term("data_location", "Right to designate data location", "指定資料處理及儲存地", "ETG:8.6.3"),
        Term("encryption_key_management", "Encryption and key management", "加密及金鑰管理", "ETG:8.1.1"),
        Term("incident_notification", "Incident notification", "資安事件通報", "ETG:5.1"),
        Term("backup_recovery", "Backup and recovery time", "備援及復原時間", "ETG:5.1"),
        Term("migration_obligations", "Migration obligations on exit", "移轉至其他業者或移回之遷移義務", "ETG:7.2"),
        Term("outage_compensation", "Compensation for service interruption", "服務中斷之賠償責任", "ETG:7.2"),
        Term("deletion_certificate", "Deletion of all data at termination, with a certificate", "終止時刪除資料並出具證明", "ETG:9.6"),
        Term("interoperability", "Interoperability and export formats", "互通性及資料匯出格式", "ETG:5.3"),
    )
}

CLAUSE_STATUSES = ("present", "partial", "missing")

#: The due-diligence domains of ETG Art. 5.1, in the order the article lists them.
REVIEW_DOMAINS: dict[str, Term] = {
    t.id: t
    for t in (
        Term("service_level", "Service level", "服務水準", "ETG:5.1"),
        Term("backup", "Backup and redundancy", "備援機制", "ETG:5.1"),
        Term("data_destruction", "Data destruction", "資料銷毀機制", "ETG:5.1"),
        Term("logical_isolation", "Logical isolation of resources", "資源邏輯區隔機制", "ETG:5.1"),
        Term("log_retention", "Log retention", "日誌留存機制", "ETG:5.1"),
        Term("security_capability", "Security capability", "資通安全防護能力", "ETG:5.1"),
        Term("incident_notification", "Incident notification duties", "資通安全事件通報責任管理", "ETG:5.1"),
        Term("bcp_dr", "Business continuity and disaster recovery", "業務持續運作與災難復原能力", "ETG:5.1"),
        Term("expertise", "Expertise and resources for the outsourced work", "受託業務之專業知識與資源", "ETG:5.1"),
        Term("financial_soundness", "Financial soundness", "財務健全", "ETG:5.1"),
        Term("internal_control", "Internal control", "內部控制", "ETG:5.1"),
        Term("compliance", "Regulatory compliance", "符合法規要求", "ETG:5.1"),
    )
}

#: ``pending`` until the reviewer records a result; ``not_met`` needs 補償性措施.
DOMAIN_RESULTS = ("pending", "met", "partially_met", "not_met", "not_applicable")

#: Who audited (ETG Art. 6.1, 6.2): the firm, the regulator (主管機關), the association
#: (同業公會), an independent third party, or a pooled audit with other firms (聯合查核).
AUDIT_PARTIES = ("firm", "regulator", "association", "third_party", "pooled")

SERVICE_MODELS = ("IaaS", "PaaS", "SaaS")
SUBSTITUTABILITY = ("easy", "moderate", "difficult", "impossible")

#: Evidence kinds with a meaning for the checks; other kinds are stored as given.
EVIDENCE_KINDS = (
    "soc2-type2",
    "soc1-type2",
    "iso27001",
    "iso27017",
    "iso27018",
    "iso27701",
    "csa-star",
    "pentest-report",
    "financial-statement",
    "bcp-test-report",
    "audit-report",
    "deletion-certificate",
    "contract",
    "other",
)
#: Independent assurance reports against international security and privacy standards
#: (ETG 5.1, 6.3.6); a provider keeps at least one current.
ASSURANCE_KINDS = ("soc2-type2", "iso27001", "iso27017", "iso27018", "iso27701", "csa-star")

#: Review cadence (days) by materiality (重大性), configurable in the register settings.
DEFAULT_CADENCE_DAYS = {"material": 365, "non_material": 730}

#: Evidence expiring within these many days is flagged (the largest is "expiring soon").
from scanner.records.doc import choice  # noqa: E402,F401  (shared with exit_plans)
from scanner.records.evidence import EXPIRY_WARNING_DAYS  # noqa: E402  (shared with exit_plans)
