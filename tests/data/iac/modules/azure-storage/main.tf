# Root written for this fixture; ./storage-account is avinor/terraform-azurerm-storage-account
# unchanged (see ../README.md). Locations come from a resource group by reference.
provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "tw" {
  name     = "rg-records"
  location = "Taiwan North"
}

resource "azurerm_resource_group" "hk" {
  name     = "rg-legacy"
  location = "eastasia"
}

module "records" {
  source              = "./storage-account"
  name                = "records"
  resource_group_name = azurerm_resource_group.tw.name
  location            = azurerm_resource_group.tw.location
}

module "legacy" {
  source                   = "./storage-account"
  name                     = "legacy"
  resource_group_name      = azurerm_resource_group.hk.name
  location                 = azurerm_resource_group.hk.location
  account_replication_type = "RAGRS"
}

resource "azurerm_managed_disk" "data" {
  name                 = "data"
  location             = azurerm_resource_group.tw.location
  resource_group_name  = azurerm_resource_group.tw.name
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = 64
}
