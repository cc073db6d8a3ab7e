variable "region" {
  type    = string
  default = "ap-east-2"
}
variable "unset" {
  type = string
}
provider "aws" {
  region = var.region
}
provider "aws" {
  alias  = "tokyo"
  region = "ap-northeast-1"
}
provider "aws" {
  alias  = "env"
  region = var.unset
}
resource "aws_s3_bucket" "default_provider" {
  bucket = "a"
}
resource "aws_s3_bucket" "aliased" {
  provider = aws.tokyo
  bucket   = "b"
}
resource "aws_s3_bucket" "unresolvable" {
  provider = aws.env
  bucket   = "c"
}
module "mapped" {
  source    = "./mod"
  providers = { aws = aws.tokyo }
}
module "inherited" {
  source = "./mod"
}
