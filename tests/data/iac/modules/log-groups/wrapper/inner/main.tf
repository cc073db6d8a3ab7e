# Written for this fixture: the third module level calls the public module.
variable "name" {
  type = string
}

variable "kms_key_id" {
  type    = string
  default = null
}

module "log" {
  source            = "../../log-group"
  name              = var.name
  kms_key_id        = var.kms_key_id
  retention_in_days = 3653
}
