# Root written for this fixture; ./log-group is terraform-aws-modules/terraform-aws-cloudwatch
# modules/log-group unchanged (see ../README.md).
provider "aws" {
  region = "ap-east-2"
}

provider "aws" {
  alias  = "tokyo"
  region = "ap-northeast-1"
}

variable "audit_key" {
  type    = string
  default = null
}

resource "aws_kms_key" "logs" {
  enable_key_rotation = true
}

# every argument left at the module's null default: no key, kept forever
module "defaults" {
  source = "./log-group"
  name   = "app-defaults"
}

# count = 0 (create = false): no resource, no finding
module "off" {
  source = "./log-group"
  name   = "never-created"
  create = false
}

# for_each over a map: one instance per key, each with its own retention
module "by_map" {
  source   = "./log-group"
  for_each = { audit = 3653, app = 30 }

  name              = "by-map-${each.key}"
  retention_in_days = each.value
  kms_key_id        = aws_kms_key.logs.arn
}

# for_each over a set, a null variable passed down as the key
module "by_set" {
  source   = "./log-group"
  for_each = toset(["orders", "quotes"])

  name              = each.value
  retention_in_days = 3653
  kms_key_id        = var.audit_key
}

# three levels: root → wrapper → inner → log-group, the key passed all the way down
module "wrapped" {
  source     = "./wrapper"
  name       = "wrapped"
  kms_key_id = aws_kms_key.logs.arn
}

# three levels, key left null at every level
module "wrapped_plain" {
  source = "./wrapper"
  name   = "wrapped-plain"
}

# provider alias handed to the module: the log group lands in Tokyo
module "tokyo" {
  source = "./log-group"
  providers = {
    aws = aws.tokyo
  }
  name              = "tokyo"
  retention_in_days = 3653
  kms_key_id        = aws_kms_key.logs.arn
}

# for_each over a variable without a value: how many instances is unknown → a coverage
# gap (ERROR), never "no resources"
variable "teams" {
  type = map(number)
}

module "per_team" {
  source   = "./log-group"
  for_each = var.teams

  name              = each.key
  retention_in_days = each.value
}
