# Written for this fixture: a registry module as `terraform init` leaves it
# (.terraform/modules/modules.json names the directory it downloaded).
provider "aws" {
  region = "ap-east-2"
}

module "logs" {
  source  = "terraform-aws-modules/cloudwatch/aws//modules/log-group"
  version = "~> 5.0"

  name              = "audit"
  retention_in_days = 90
}

# not downloaded: a coverage gap, never "no resources"
module "missing" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 4.0"
  bucket  = "never-downloaded"
}
