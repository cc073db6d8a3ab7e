# Dynamic blocks that carry encryption and replicas (hand-written; verdicts judged under docs/iac.md).
provider "aws" {
  region = "ap-east-2"
}

variable "replicas" {
  type    = list(string)
  default = ["ap-northeast-1"]
}

variable "sse" {
  type    = map(string)
  default = { sse_algorithm = "aws:kms", kms_master_key_id = "alias/aws/s3" }
}

resource "aws_kms_key" "k" {
  enable_key_rotation = true
}

# replicas from a dynamic block: one in Tokyo
resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  hash_key     = "id"
  billing_mode = "PAY_PER_REQUEST"

  attribute {
    name = "id"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.k.arn
  }

  dynamic "replica" {
    for_each = var.replicas
    content {
      region_name = replica.value
    }
  }
}

# no replicas: the dynamic block's for_each is empty
resource "aws_dynamodb_table" "quotes" {
  name         = "quotes"
  hash_key     = "id"
  billing_mode = "PAY_PER_REQUEST"

  attribute {
    name = "id"
    type = "S"
  }

  dynamic "replica" {
    for_each = []
    content {
      region_name = replica.value
    }
  }
}

resource "aws_s3_bucket" "dyn" {
  bucket = "dyn"
}

# SSE from a dynamic block over a variable: the AWS-managed key
resource "aws_s3_bucket_server_side_encryption_configuration" "dyn" {
  bucket = aws_s3_bucket.dyn.id
  dynamic "rule" {
    for_each = [var.sse]
    content {
      apply_server_side_encryption_by_default {
        sse_algorithm     = rule.value.sse_algorithm
        kms_master_key_id = rule.value.kms_master_key_id
      }
    }
  }
}

# a dynamic block over a variable without a value: the replicas are unknown
variable "dr_regions" {
  type = list(string)
}

resource "aws_dynamodb_table" "ledger" {
  name         = "ledger"
  hash_key     = "id"
  billing_mode = "PAY_PER_REQUEST"

  attribute {
    name = "id"
    type = "S"
  }

  dynamic "replica" {
    for_each = var.dr_regions
    content {
      region_name = replica.value
    }
  }
}
