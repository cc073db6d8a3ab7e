provider "aws" {
  region = "ap-east-2"
}
provider "aws" {
  alias  = "hk"
  region = "ap-east-1"
}
provider "google" {
  region = "asia-east1"
}
resource "aws_s3_bucket" "taipei" {
  bucket = "taipei"
}
resource "aws_s3_bucket" "hongkong" {
  provider = aws.hk
  bucket   = "hongkong"
}
resource "aws_s3_bucket_replication_configuration" "taipei" {
  bucket = aws_s3_bucket.taipei.id
  role   = "arn:aws:iam::111111111111:role/r"
  rule {
    status = "Enabled"
    destination {
      bucket = aws_s3_bucket.hongkong.arn
    }
  }
}
resource "aws_dynamodb_table" "global" {
  name = "g"
  replica {
    region_name = "ap-northeast-1"
  }
}
resource "azurerm_storage_account" "lrs" {
  name                     = "lrs"
  resource_group_name      = "rg"
  location                 = "Taiwan North"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
resource "azurerm_storage_account" "grs_hk" {
  name                     = "grshk"
  resource_group_name      = "rg"
  location                 = "eastasia"
  account_tier             = "Standard"
  account_replication_type = "GRS"
}
resource "google_storage_bucket" "tw" {
  name     = "tw"
  location = "ASIA-EAST1"
}
resource "google_storage_bucket" "multi" {
  name     = "multi"
  location = "ASIA"
}
resource "google_compute_disk" "by_provider" {
  name = "d"
}
