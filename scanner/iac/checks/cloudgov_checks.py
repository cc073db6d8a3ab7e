"""cloudgov's own checkov checks. Loaded by checkov (``--external-checks-dir``) in ITS
process and virtualenv; cloudgov never imports this file.

Each check's id, policy and resource types come from ``checks.toml`` beside this file;
its title from the cloudgov policy metadata (``policies/<area>.yaml``) when present. The
checks put the values checkov rendered (variables, module inputs) into ``details`` as
``key=value`` so cloudgov can fill properties its own parser could not resolve.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

HERE = Path(__file__).resolve().parent
SPEC = tomllib.loads((HERE / "checks.toml").read_text(encoding="utf-8"))
LOG_CLASS_TAG = "cloudgov:log-class"


def _policy_title(policy_id: str, fallback: str) -> str:
    area = policy_id.split(".", 1)[0]
    meta = HERE.parents[2] / "policies" / f"{area}.yaml"
    try:
        doc = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return fallback
    for p in doc.get("policies") or []:
        if p.get("id") == policy_id:
            return p.get("title_en") or fallback
    return fallback


def _first(conf: dict, key: str):
    v = conf.get(key)
    return v[0] if isinstance(v, list) and v else v


class _Spec(BaseResourceCheck):
    def __init__(self, spec: dict, category: CheckCategories) -> None:
        self.spec = spec
        name = f"{_policy_title(spec['policy'], spec['title'])} [cloudgov {spec['policy']}]"
        super().__init__(name=name, id=spec["id"], categories=(category,), supported_resources=tuple(spec["resources"]))


class LogRetentionByClass(_Spec):
    def scan_resource_conf(self, conf: dict) -> CheckResult:
        rtype = self.entity_type
        attr = self.spec["attribute"][rtype]
        value = _first(conf, attr)
        if value is None:
            value = self.spec["absent_means"][rtype]
        if value == 0 and rtype == "aws_cloudwatch_log_group":
            self.details.append("retention_unlimited=true")
            return CheckResult.PASSED
        if not isinstance(value, int):
            return CheckResult.UNKNOWN  # an expression checkov could not render either
        self.details.append(f"retention_days={value}")
        tags = _first(conf, "tags") or _first(conf, "labels") or {}
        log_class = tags.get(LOG_CLASS_TAG) if isinstance(tags, dict) else None
        if not log_class:
            return CheckResult.UNKNOWN  # no class: cloudgov's configuration decides
        self.details.append(f"log_class={log_class}")
        minimum = self.spec["minimum_days"].get(log_class)
        if minimum is None:
            return CheckResult.UNKNOWN
        return CheckResult.PASSED if value >= minimum else CheckResult.FAILED


class GcsBucketCmek(_Spec):
    def scan_resource_conf(self, conf: dict) -> CheckResult:
        enc = _first(conf, "encryption")
        key = _first(enc, "default_kms_key_name") if isinstance(enc, dict) else None
        if key:
            self.details.append(f"encryption.key_id={key}")
            return CheckResult.PASSED
        return CheckResult.FAILED


def _spec(check_id: str) -> dict:
    return dict(SPEC[check_id], id=check_id)


check_log_retention = LogRetentionByClass(_spec("CKV_CGOV_1"), CheckCategories.LOGGING)
check_gcs_cmek = GcsBucketCmek(_spec("CKV_CGOV_2"), CheckCategories.ENCRYPTION)
