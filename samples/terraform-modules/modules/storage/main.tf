# The middle level: a data platform that owns a database and its export bucket.
variable "name" {
  type = string
}

variable "kms_key_arn" {
  type    = string
  default = null
}

module "db" {
  source      = "../database"
  name        = "${var.name}-db"
  kms_key_arn = var.kms_key_arn
}

module "exports" {
  source      = "../bucket"
  name        = "${var.name}-exports"
  kms_key_arn = var.kms_key_arn
  expire_days = 30
}
