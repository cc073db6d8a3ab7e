# ETG 8.4.1: image repositories in code. The blocks follow the Terraform providers' own
# documentation examples (README.md beside this file); names are ours.
provider "aws" { region = "ap-east-2" }
provider "google" {
  project = "sample-project"
  region  = "asia-east1"
}
provider "azurerm" {
  features {}
}

# aws_ecr_repository's example: MUTABLE tags, scan on push
resource "aws_ecr_repository" "foo" {
  name                 = "bar"
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_repository" "fixed" {
  name                 = "payments/api"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_repository" "latest_movable" {
  name                 = "example-web"
  image_tag_mutability = "IMMUTABLE_WITH_EXCLUSION"

  image_tag_mutability_exclusion_filter {
    filter      = "latest*"
    filter_type = "WILDCARD"
  }
}

# aws_ecr_registry_scanning_configuration's example: enhanced, continuous for "example"
resource "aws_ecr_registry_scanning_configuration" "configuration" {
  scan_type = "ENHANCED"

  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = "example"
      filter_type = "WILDCARD"
    }
  }
}

# google_artifact_registry_repository's docker example (immutable tags)
resource "google_artifact_registry_repository" "my-repo" {
  location      = "asia-east1"
  repository_id = "my-repository"
  description   = "example docker repository"
  format        = "DOCKER"

  docker_config {
    immutable_tags = true
  }
}

# ... its vulnerability-scanning example, scanning turned off
resource "google_artifact_registry_repository" "no-scan" {
  location      = "asia-east1"
  repository_id = "my-repository-no-scan"
  description   = "example docker repository with vulnerability scanning disabled"
  format        = "DOCKER"

  vulnerability_scanning_config {
    enablement_config = "DISABLED"
  }
}

resource "google_artifact_registry_repository" "maven" {
  location      = "asia-east1"
  repository_id = "java-libs"
  format        = "MAVEN"
}

# azurerm_container_registry's example (Premium), with the 4.x trust policy argument
resource "azurerm_container_registry" "acr" {
  name                 = "containerRegistry1"
  resource_group_name  = "example-resources"
  location             = "taiwannorth"
  sku                  = "Premium"
  admin_enabled        = false
  trust_policy_enabled = true
}
