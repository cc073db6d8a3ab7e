# Written for this fixture: the middle of three module levels.
variable "name" {
  type = string
}

variable "kms_key_id" {
  type    = string
  default = null
}

module "inner" {
  source     = "./inner"
  name       = var.name
  kms_key_id = var.kms_key_id
}
