# Sample Azure stack with known violations (see samples/terraform/README.md).
provider "azurerm" {
  features {}
}

locals {
  location = "taiwannorth"
}

# FAIL encryption.object_storage_cmk (Microsoft-managed key), FAIL residency.geo_redundant_storage (GRS)
resource "azurerm_storage_account" "records" {
  name                     = "samplerecords"
  resource_group_name      = "rg-sample"
  location                 = local.location
  account_tier             = "Standard"
  account_replication_type = "GRS"
}

# FAIL residency.data_location (East Asia is Hong Kong)
resource "azurerm_managed_disk" "hk" {
  name                 = "disk-hk"
  location             = "eastasia"
  resource_group_name  = "rg-sample"
  storage_account_type = "Standard_LRS"
  create_option        = "Empty"
  disk_size_gb         = 10
}

# FAIL logging.retention_minimum (audit logs kept 30 days)
resource "azurerm_log_analytics_workspace" "audit" {
  name                = "law-audit"
  location            = local.location
  resource_group_name = "rg-sample"
  retention_in_days   = 30
  tags = {
    "cloudgov:log-class" = "audit"
  }
}

# FAIL compute.instances_managed (ETG 8.4.2): patch assessment left to the image (the provider's
# default ImageDefault), so Azure Update Manager does not assess the VM periodically
resource "azurerm_linux_virtual_machine" "batch" {
  name                  = "vm-batch"
  resource_group_name   = "rg-sample"
  location              = local.location
  size                  = "Standard_B2s"
  admin_username        = "azureuser"
  network_interface_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sample/providers/Microsoft.Network/networkInterfaces/nic-batch"]

  admin_ssh_key {
    username   = "azureuser"
    public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIsample"
  }
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts"
    version   = "latest"
  }
}

# ERROR compute.registry_tags_immutable (ACR tag locks are data-plane); PASS
# compute.registry_images_scanned (the Containers plan below, with the registry assessment)
resource "azurerm_container_registry" "images" {
  name                 = "acrsample"
  resource_group_name  = "sample-rg"
  location             = local.location
  sku                  = "Premium"
  trust_policy_enabled = true
}

resource "azurerm_security_center_subscription_pricing" "containers" {
  tier          = "Standard"
  resource_type = "Containers"
  extension {
    name = "ContainerRegistriesVulnerabilityAssessments"
  }
}
