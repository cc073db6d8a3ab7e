"""The vocabulary of exit plans: stored in the database and in plan files.

Ids here are data: never rename one, add a new one instead.
"""

from __future__ import annotations

__all__ = [
    "STRATEGIES",
    "TEST_KINDS",
    "TEST_RESULTS",
    "PASSING_RESULTS",
    "SCENARIOS",
    "DELETION_SCOPES",
    "OPEN_EXPORT_FORMATS",
    "REQUIRED_PLAN_ELEMENTS",
]

#: Where the service goes on exit (ETG 9.5: 另一雲端服務提供者或移回自行處理).
STRATEGIES = {
    "another_provider": "move to another cloud service provider (轉移至另一雲端服務提供者)",
    "in_house": "bring back in-house (移回自行處理)",
    "hybrid": "part to another provider, part in-house",
}

#: How an exit plan was exercised (ETG 9.2 測試或演練).
TEST_KINDS = {
    "tabletop": "tabletop walk-through of the playbook",
    "restore": "restore of exported data outside the provider",
    "partial_migration": "migration of part of the workload to the target",
    "full_migration": "full migration rehearsal",
}

TEST_RESULTS = ("passed", "passed_with_issues", "failed")
PASSING_RESULTS = frozenset({"passed", "passed_with_issues"})

#: Stressed exit: the provider fails or must be left at once. Planned: an orderly exit.
SCENARIOS = ("stressed", "planned")

#: What a certificate of complete deletion (資料完全刪除之證明, ETG 9.6) must cover.
DELETION_SCOPES = {
    "primary_data": "primary data: storage, databases, VM images, queues, caches",
    "replicas": "replicas in other regions or accounts",
    "backups": "backups and snapshots (備份媒體)",
    "logs": "logs kept by the provider",
    "keys": "customer-managed keys (crypto-shredding)",
}

#: Export formats common enough to load elsewhere (ETG 5.3.2: 業界常見之…資料檔案格式).
#: Compared lower-case; anything else counts as provider-specific.
OPEN_EXPORT_FORMATS = frozenset(
    {
        "csv", "tsv", "json", "jsonl", "ndjson", "xml", "parquet", "avro", "orc", "sql", "pg_dump",
        "mysqldump", "sql-dump", "ova", "ovf", "vmdk", "vhd", "vhdx", "qcow2", "raw", "tar", "oci-image",
        "docker-image", "pdf", "eml", "mbox", "s3-api", "iso20022", "fix", "swift-mt",
    }
)

#: Elements a complete plan names (ETG 9.5 strategy and plan; ETG 7.2 migration duties).
REQUIRED_PLAN_ELEMENTS = (
    "strategy",
    "triggers",
    "planned_playbook",
    "export_formats",
    "roles",
    "success_criteria",
    "dependencies",
)

