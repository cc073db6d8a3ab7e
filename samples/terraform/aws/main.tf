# Sample AWS stack with known violations (see samples/terraform/README.md).
variable "region" {
  type    = string
  default = "ap-east-2" # Asia Pacific (Taipei)
}

variable "dr_region" {
  type = string # no default: set at apply time, unknown to a code scan
}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "tokyo"
  region = "ap-northeast-1"
}

provider "aws" {
  alias  = "dr"
  region = var.dr_region
}

resource "aws_kms_key" "data" {
  description         = "customer data"
  enable_key_rotation = true
}

resource "aws_kms_key" "norotate" {
  description = "rotation never enabled"
}

# PASS: CMK, in Taipei
resource "aws_s3_bucket" "customer_data" {
  bucket = "sample-customer-data"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "customer_data" {
  bucket = aws_s3_bucket.customer_data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

# FAIL encryption.object_storage_cmk (SSE-S3) and residency.data_location (Tokyo)
resource "aws_s3_bucket" "reports_tokyo" {
  provider = aws.tokyo
  bucket   = "sample-reports-tokyo"
}

# ERROR residency.data_location: the dr provider's region is a variable without a default
resource "aws_s3_bucket" "dr_copy" {
  provider = aws.dr
  bucket   = "sample-dr-copy"
}

# FAIL encryption.block_storage_cmk (AWS-managed aws/ebs key)
resource "aws_ebs_volume" "app" {
  availability_zone = "ap-east-2a"
  size              = 20
  encrypted         = true
}

# FAIL encryption.database_cmk (unencrypted)
resource "aws_db_instance" "orders" {
  identifier        = "orders"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
}

# FAIL mfa.privileged_users: console access and AdministratorAccess, no MFA possible from code
resource "aws_iam_user" "ops_admin" {
  name = "ops-admin"
}

resource "aws_iam_user_login_profile" "ops_admin" {
  user = aws_iam_user.ops_admin.name
}

resource "aws_iam_user_policy_attachment" "ops_admin" {
  user       = aws_iam_user.ops_admin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

module "logs" {
  source    = "./modules/logs"
  retention = 90
  providers = {
    aws = aws.tokyo
  }
}

# FAIL compute.registry_tags_immutable (image_tag_mutability defaults to MUTABLE)
# ERROR compute.registry_images_scanned (no aws_ecr_registry_scanning_configuration here: the
# account's registry rules, if any, decide over scan_on_push)
resource "aws_ecr_repository" "app" {
  name = "sample-app"
  image_scanning_configuration {
    scan_on_push = true
  }
}
