variable "retention" {
  type = number
}

# FAIL logging.retention_minimum (90 < 1095 days for audit logs),
# FAIL encryption.log_store_cmk, FAIL residency.data_location (provider aws.tokyo passed in)
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/sample/audit"
  retention_in_days = var.retention
  tags = {
    "cloudgov:log-class" = "audit"
  }
}
