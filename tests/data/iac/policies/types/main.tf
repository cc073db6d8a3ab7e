# The resource types added for issue 13 (hand-written; verdicts judged under docs/iac.md).
provider "aws" { region = "ap-east-2" }
provider "aws" {
  alias = "tokyo"
  region = "ap-northeast-1"
}
data "aws_kms_key" "s3" { key_id = "alias/aws/s3" }
resource "aws_s3_bucket" "b" { bucket = "b" }
resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
      kms_master_key_id = data.aws_kms_key.s3.arn
    }
  }
}
resource "aws_s3_bucket" "logs" { bucket = "access-logs" }
resource "aws_s3_bucket_logging" "b" {
  bucket = aws_s3_bucket.b.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "log/"
}
resource "aws_s3_bucket" "flow" { bucket = "flow-logs" }
resource "aws_flow_log" "vpc" {
  vpc_id = "vpc-1"
  traffic_type = "ALL"
  log_destination_type = "s3"
  log_destination = aws_s3_bucket.flow.arn
}
resource "aws_rds_global_cluster" "g" {
  global_cluster_identifier = "g"
  engine = "aurora-postgresql"
  storage_encrypted = true
}
resource "aws_rds_cluster" "primary" {
  cluster_identifier = "p"
  global_cluster_identifier = aws_rds_global_cluster.g.id
  storage_encrypted = true
  kms_key_id = "arn:aws:kms:ap-east-2:1:key/x"
}
resource "aws_rds_cluster" "secondary" {
  provider = aws.tokyo
  cluster_identifier = "s"
  global_cluster_identifier = aws_rds_global_cluster.g.id
  storage_encrypted = true
}
resource "aws_db_instance" "db" {
  identifier = "db"
  storage_encrypted = true
}
resource "aws_db_instance_automated_backups_replication" "r" {
  provider = aws.tokyo
  source_db_instance_arn = aws_db_instance.db.arn
}
resource "aws_docdb_cluster" "d" { cluster_identifier = "d" }
resource "aws_opensearch_domain" "o" {
  domain_name = "o"
  encrypt_at_rest { enabled = true }
}
resource "aws_elasticsearch_domain" "e" { domain_name = "e" }
resource "google_compute_disk" "csek" {
  name = "c"
  zone = "asia-east1-a"
  disk_encryption_key { raw_key = "" }
}
resource "azurerm_resource_group" "rg" {
  name = "rg"
  location = "taiwannorth"
}
resource "azurerm_mssql_server" "s" {
  name = "s"
  location = azurerm_resource_group.rg.location
  resource_group_name = "rg"
  version = "12.0"
}
resource "azurerm_mssql_database" "db" {
  name = "db"
  server_id = azurerm_mssql_server.s.id
}
resource "azurerm_mssql_database" "local" {
  name = "local"
  server_id = azurerm_mssql_server.s.id
  storage_account_type = "Local"
  transparent_data_encryption_enabled = false
}
resource "azurerm_sql_server" "legacy" {
  name = "legacy"
  location = "eastasia"
  resource_group_name = "rg"
  version = "12.0"
}
resource "azurerm_postgresql_server" "pg" {
  name = "pg"
  location = "taiwannorth"
  resource_group_name = "rg"
  sku_name = "GP_Gen5_2"
  version = "11"
  geo_redundant_backup_enabled = true
}
resource "azurerm_monitor_log_profile" "p" {
  name = "default"
  categories = ["Action", "Delete", "Write"]
  locations = ["taiwannorth", "global"]
  storage_account_id = azurerm_storage_account.audit.id
  retention_policy {
    enabled = true
    days = 365
  }
}
resource "azurerm_storage_account" "audit" {
  name = "audit"
  location = "taiwannorth"
  resource_group_name = "rg"
  account_tier = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_storage_account" "flows" {
  name = "flows"
  location = "taiwannorth"
  resource_group_name = "rg"
  account_tier = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_network_watcher_flow_log" "nsg" {
  name = "nsg"
  network_watcher_name = "nw"
  resource_group_name = "rg"
  network_security_group_id = "/subscriptions/x/nsg"
  storage_account_id = azurerm_storage_account.flows.id
  enabled = true
  retention_policy {
    enabled = true
    days = 90
  }
}
resource "azurerm_mssql_server_extended_auditing_policy" "a" {
  server_id = azurerm_mssql_server.s.id
  storage_endpoint = azurerm_storage_account.audit.primary_blob_endpoint
  retention_in_days = 2000
}
