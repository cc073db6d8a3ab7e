# Key policy statements as the AWS KMS Developer Guide shows them (README.md beside this
# file), in aws_kms_key resources. Judged with the live AWS connector's function.
provider "aws" {
  region = "ap-east-2"
}

locals {
  use = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"]
}

# the AWS managed key's statement: everyone, but only callers of account 111122223333 through EBS
resource "aws_kms_key" "caller_account" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Allow access through EBS for all principals in the account that are authorized to use EBS"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = local.use
      Resource  = "*"
      Condition = {
        StringEquals = {
          "kms:CallerAccount" = "111122223333"
          "kms:ViaService"    = "ec2.us-west-2.amazonaws.com"
        }
      }
    }]
  })
}

# the same statement without kms:CallerAccount: any account's principals may use it through EBS
resource "aws_kms_key" "via_service_only" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = local.use
      Resource  = "*"
      Condition = { StringEquals = { "kms:ViaService" = ["ec2.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"] } }
    }]
  })
}

# a condition that names no account (kms:EncryptionContext) confines nothing
resource "aws_kms_key" "context_only" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { StringEquals = { "kms:EncryptionContext:Department" = "IT" } }
    }]
  })
}

# an organisation: aws:PrincipalOrgID confines `*` to it
resource "aws_kms_key" "organisation" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5" } }
    }]
  })
}

# kms:CallerAccount under ...IfExists: a request without the key matches
resource "aws_kms_key" "if_exists" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { StringEqualsIfExists = { "kms:CallerAccount" = "111122223333" } }
    }]
  })
}

# the account of the caller comes from a data source: not known from code
data "aws_caller_identity" "current" {}

resource "aws_kms_key" "account_from_data" {
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { StringEquals = { "kms:CallerAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}
