"""Configuration: regulatory defaults, overrides from cloudgov.yaml, and validation."""

from __future__ import annotations

import pytest

from scanner.config import load_config
from scanner.errors import ConfigError


def write(tmp_path, text: str):
    p = tmp_path / "cloudgov.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_follow_the_regulations():
    c = load_config()
    assert c.allowed_countries == {"TW"}
    assert c.log_classes["audit"].min_days == 1095  # CSM CC-18000 (4)c
    assert c.log_classes["firewall"].min_days == 1095  # CSM CC-17010 b(c)
    assert c.log_classes["personal_data_access"].min_days == 1825  # SRR 9
    assert c.log_classes["customer_communications"].min_days == 365  # DSG 4.5(1)
    assert c.unused_credentials_days == 180  # CSM CC-18000 (2)f
    assert c.default_log_class == "audit"
    assert c.history_retention_days is None and c.firm_name == "" and c.report_appetite == {}


def test_overrides(tmp_path):
    c = load_config(write(tmp_path, """
firm: {name: 福爾摩沙證券}
history: {retention_days: 730}
report: {appetite: {areas: {encryption: {min_pass_rate: 0.98}}}}
logging:
  classes: {chat_transcripts: {min_days: 400, source: [DSG:4.5.1]}}
  rules: [{match: "arn:aws:logs:*:*:log-group:/vpc/*", class: firewall}]
identity: {unused_credentials_days: 90}
"""))
    assert c.firm_name == "福爾摩沙證券"
    assert c.history_retention_days == 730
    assert c.report_appetite["areas"]["encryption"]["min_pass_rate"] == 0.98
    assert c.log_classes["chat_transcripts"].min_days == 400
    assert c.log_class_of("arn:aws:logs:ap-east-2:1:log-group:/vpc/flow", "", {}, None) == (
        "firewall", "config rule arn:aws:logs:*:*:log-group:/vpc/*")
    assert c.unused_credentials_days == 90


@pytest.mark.parametrize(
    "text,message",
    [
        ("jurisdictions: {}", "unknown configuration key 'jurisdictions'"),
        ("history: {retention_days: -3}", "retention_days"),
        ("logging: {default_class: nope}", "default log class"),
        ("logging: {rules: [{match: x, class: nope}]}", "unknown class"),
        ("fail_on: urgent", "unknown severity"),
        ("[1, 2", "malformed YAML"),
    ],
)
def test_invalid_configuration_is_one_clear_error(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_report_uses_configured_appetite_and_firm(tmp_path):
    from scanner.report.data import load_appetite

    c = load_config(write(tmp_path, "report: {appetite: {areas: {mfa: {min_pass_rate: 0.5}}}}\n"))
    merged = load_appetite(None, dict(c.report_appetite))
    assert merged["areas"]["mfa"]["min_pass_rate"] == 0.5
    assert merged["areas"]["encryption"]["min_pass_rate"] == 0.95  # untouched default
    bad = load_config(write(tmp_path, "report: {appetite: {areas: {mfaa: {min_pass_rate: 0.5}}}}\n"))
    with pytest.raises(ConfigError, match="unknown key"):
        load_appetite(None, dict(bad.report_appetite))


def test_history_retention_from_config(tmp_path, monkeypatch):
    from scanner.store.history import retention_days

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLOUDGOV_HISTORY_RETENTION_DAYS", raising=False)
    write(tmp_path, "history: {retention_days: 365}\n")  # ./cloudgov.yaml is read by default
    assert retention_days() == 365
    monkeypatch.setenv("CLOUDGOV_HISTORY_RETENTION_DAYS", "30")
    assert retention_days() == 30
    assert retention_days(7) == 7


def test_regulator_approvals_need_resources_and_a_reference(tmp_path):
    """ETG 8.6.3.3 approvals are the regulator's: an entry without its reference is refused."""
    from scanner.config import load_config
    from scanner.errors import ConfigError

    cfg = tmp_path / "cloudgov.yaml"
    cfg.write_text("jurisdiction:\n  regulator_approvals: [{resources: ['arn:aws:s3:::x']}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="reference"):
        load_config(cfg)
    cfg.write_text("jurisdiction:\n  natural_person_systems: {accounts: ['111122223333']}\n"
                   "  regulator_approvals: [{resources: ['arn:aws:s3:::fx-*'], reference: 金管證券字第1150000000號}]\n", encoding="utf-8")
    rules = load_config(cfg).offshore
    assert rules.scope("arn:aws:s3:::y", "111122223333", {})[0] is True
    assert rules.approval("arn:aws:s3:::fx-archive", {}).startswith("金管證券字第1150000000號")
    assert rules.approval("arn:aws:s3:::prefix-fx-archive", {}) is None  # globs, never substrings
