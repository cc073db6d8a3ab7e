# 福爾摩沙證券 production AWS, built from the modules in ../../modules.
provider "aws" {
  region = "ap-east-2" # Taipei
}

provider "aws" {
  alias  = "tokyo"
  region = "ap-northeast-1"
}

resource "aws_kms_key" "data" {
  description         = "customer data"
  enable_key_rotation = true
}

resource "aws_kms_key" "logs" {
  description = "log groups" # rotation left off
}

# for_each over a map of buckets: statements has a CMK, research relies on SSE-S3
module "buckets" {
  source   = "../../modules/bucket"
  for_each = {
    statements = { key = aws_kms_key.data.arn }
    research   = { key = null }
  }
  name        = "fmsa-${each.key}"
  kms_key_arn = each.value.key
}

# a bucket switched off: count = 0, so nothing to report
module "legacy_archive" {
  source = "../../modules/bucket"
  create = false
  name   = "fmsa-legacy-archive"
}

# the DR copy of statements lands in Tokyo through the provider handed to the module
module "statements_dr" {
  source      = "../../modules/bucket"
  providers   = { aws = aws.tokyo }
  name        = "fmsa-statements-dr"
  kms_key_arn = aws_kms_key.data.arn
}

module "logs" {
  source      = "../../modules/log-groups"
  kms_key_arn = aws_kms_key.logs.arn
  groups = {
    "trading/audit" = { retention = 1827, class = "audit" }
    "vpc/flow"      = { retention = 365, class = "firewall" }
  }
}

# three levels: live → storage → database; the key is left null (the module default)
module "analytics" {
  source = "../../modules/storage"
  name   = "fmsa-analytics"
}
