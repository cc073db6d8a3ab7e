"""docs/iac.md's table of judged Terraform types is generated from the code and kept true."""

from __future__ import annotations

from scanner.iac.coverage import DOC, coverage_table, render_into


def test_docs_table_is_the_generated_one():
    text = DOC.read_text(encoding="utf-8")
    assert render_into(text) == text, "docs/iac.md is stale: run `python -m scanner.iac.coverage --write`"


def test_every_registered_type_is_in_the_table_and_judged_by_some_policy_or_said_not_to_be():
    from scanner.iac.normalize import KINDS

    table = coverage_table()
    for rtype in KINDS:
        row = next(line for line in table.splitlines() if f"`{rtype}`" in line)
        assert row.count("|") > 4
    for added in ("aws_rds_global_cluster", "aws_docdb_cluster", "aws_neptune_cluster", "aws_opensearch_domain",
                  "aws_elasticsearch_domain", "azurerm_mssql_database", "azurerm_sql_server", "azurerm_mysql_server",
                  "azurerm_postgresql_server", "azurerm_monitor_log_profile", "azurerm_network_watcher_flow_log",
                  "azurerm_mssql_server_extended_auditing_policy"):
        assert f"`{added}`" in table
