# An Aurora cluster; the key is passed down from the caller's caller (three levels).
variable "name" {
  type = string
}

variable "kms_key_arn" {
  type    = string
  default = null
}

resource "aws_rds_cluster" "this" {
  cluster_identifier = var.name
  engine             = "aurora-postgresql"
  storage_encrypted  = true
  kms_key_id         = var.kms_key_arn
}
