provider "aws" {
  region = "ap-east-2"
}
variable "days" {
  type    = number
  default = 1827
}
resource "aws_cloudwatch_log_group" "audit_short" {
  name              = "a"
  retention_in_days = 365
  tags              = { "cloudgov:log-class" = "audit" }
}
resource "aws_cloudwatch_log_group" "pii_var" {
  name              = "b"
  retention_in_days = var.days
  kms_key_id        = aws_kms_key.logs.arn
  tags              = { "cloudgov:log-class" = "personal_data_access" }
}
resource "aws_cloudwatch_log_group" "forever" {
  name = "c"
  tags = { "cloudgov:log-class" = "audit" }
}
resource "aws_kms_key" "logs" {
  enable_key_rotation = true
}
resource "aws_cloudtrail" "main" {
  name                  = "main"
  s3_bucket_name        = aws_s3_bucket.trail.id
  is_multi_region_trail = true
}
resource "aws_s3_bucket" "trail" {
  bucket = "trail"
  tags   = { "cloudgov:log-class" = "audit" }
}
resource "aws_s3_bucket_lifecycle_configuration" "trail" {
  bucket = aws_s3_bucket.trail.id
  rule {
    id     = "expire"
    status = "Enabled"
    expiration {
      days = 400
    }
  }
}
resource "azurerm_log_analytics_workspace" "default_retention" {
  name                = "w"
  location            = "taiwannorth"
  resource_group_name = "rg"
  tags                = { "cloudgov:log-class" = "firewall" }
}
resource "google_logging_project_bucket_config" "comms" {
  project        = "p"
  location       = "asia-east1"
  bucket_id      = "comms"
  retention_days = 400
  description    = "cloudgov:log-class=customer_communications"
}
