# One log group per entry of a map; retention and class per entry, one key for all.
variable "groups" {
  type = map(object({ retention = number, class = string }))
}

variable "kms_key_arn" {
  type    = string
  default = null
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = var.groups
  name              = "/fmsa/${each.key}"
  retention_in_days = each.value.retention
  kms_key_id        = var.kms_key_arn
  tags              = { "cloudgov:log-class" = each.value.class }
}
