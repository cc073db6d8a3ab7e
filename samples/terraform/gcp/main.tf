# Sample GCP stack with known violations (see samples/terraform/README.md).
provider "google" {
  project = "sample-project"
  region  = "asia-east1" # Changhua County, Taiwan
}

resource "google_kms_crypto_key" "data" {
  name            = "data"
  key_ring        = "projects/sample-project/locations/asia-east1/keyRings/sample"
  rotation_period = "7776000s"
}

# PASS: CMEK, in Taiwan
resource "google_storage_bucket" "customer_data" {
  name     = "sample-customer-data"
  location = "asia-east1"
  encryption {
    default_kms_key_name = google_kms_crypto_key.data.id
  }
}

# FAIL residency.data_location (multi-region ASIA), FAIL encryption.object_storage_cmk
resource "google_storage_bucket" "archive" {
  name     = "sample-archive"
  location = "ASIA"
}

# FAIL logging.retention_minimum (personal-data access trails: 5 years)
# FAIL logging.audit_store_immutable (the bucket is not locked: its records can be deleted)
resource "google_logging_project_bucket_config" "pii_access" {
  project        = "sample-project"
  location       = "asia-east1"
  bucket_id      = "pii-access"
  retention_days = 365
  description    = "cloudgov:log-class=personal_data_access"
}

# FAIL encryption.block_storage_cmk (Google-managed key); region from the zone
resource "google_compute_disk" "app" {
  name = "app"
  zone = "asia-east1-b"
  size = 20
}

# passes compute.instances_managed (ETG 8.4.2): VM Manager enabled in the instance's metadata
resource "google_compute_instance" "app" {
  name         = "app-vm"
  machine_type = "e2-small"
  zone         = "asia-east1-b"
  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
  }
  network_interface {
    network = "default"
  }
  metadata = {
    enable-osconfig = "TRUE"
  }
}

# PASS compute.registry_tags_immutable; ERROR compute.registry_images_scanned (scanning is
# INHERITED from the project's Container Scanning API, which this code does not enable)
resource "google_artifact_registry_repository" "images" {
  location      = "asia-east1"
  repository_id = "sample-images"
  format        = "DOCKER"
  docker_config {
    immutable_tags = true
  }
}
