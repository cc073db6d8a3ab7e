# A bucket module in the style of the public registry modules: create flag, null defaults,
# SSE through a dynamic block, optional lifecycle expiry.
variable "create" {
  type    = bool
  default = true
}

variable "name" {
  type = string
}

variable "kms_key_arn" {
  type    = string
  default = null # no key: S3's default SSE-S3
}

variable "expire_days" {
  type    = number
  default = null # no expiry: kept forever
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_s3_bucket" "this" {
  count  = var.create ? 1 : 0
  bucket = var.name
  tags   = var.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count  = var.create && var.kms_key_arn != null ? 1 : 0
  bucket = aws_s3_bucket.this[0].id

  dynamic "rule" {
    for_each = [var.kms_key_arn]
    content {
      apply_server_side_encryption_by_default {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = rule.value
      }
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count  = var.create && var.expire_days != null ? 1 : 0
  bucket = aws_s3_bucket.this[0].id

  rule {
    id     = "expire"
    status = "Enabled"
    expiration {
      days = var.expire_days
    }
  }
}

output "id" {
  value = try(aws_s3_bucket.this[0].id, null)
}
