provider "aws" {
  region = "ap-east-2"
}
variable "key_arn" {
  type = string
}
resource "aws_kms_key" "cmk" {
  enable_key_rotation = true
}
resource "aws_kms_key" "norotate" {}
resource "aws_kms_key" "public" {
  enable_key_rotation = true
  policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"
}
resource "aws_s3_bucket" "cmk" {
  bucket = "cmk"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "cmk" {
  bucket = aws_s3_bucket.cmk.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.cmk.arn
    }
  }
}
resource "aws_s3_bucket" "sse_s3" {
  bucket = "sse-s3"
}
resource "aws_s3_bucket" "aws_managed" {
  bucket = "aws-managed"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "aws_managed" {
  bucket = aws_s3_bucket.aws_managed.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}
resource "aws_ebs_volume" "cmk" {
  availability_zone = "ap-east-2a"
  size              = 1
  encrypted         = true
  kms_key_id        = aws_kms_key.cmk.arn
}
resource "aws_ebs_volume" "default" {
  availability_zone = "ap-east-2a"
  size              = 1
}
resource "aws_db_instance" "plain" {
  instance_class = "db.t3.micro"
}
resource "aws_dynamodb_table" "cmk" {
  name = "t"
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.cmk.arn
  }
}
resource "aws_sns_topic" "plain" {
  name = "t"
}
resource "aws_sqs_queue" "cmk" {
  name              = "q"
  kms_master_key_id = aws_kms_key.cmk.id
}
resource "aws_backup_vault" "unknown_key" {
  name        = "v"
  kms_key_arn = var.key_arn
}
