# 福爾摩沙證券 Azure: storage accounts placed by their resource group, by reference.
provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "records" {
  name     = "rg-records"
  location = "taiwannorth"
}

resource "azurerm_resource_group" "legacy" {
  name     = "rg-legacy"
  location = "eastasia"
}

resource "azurerm_storage_account" "accounts" {
  for_each                 = { records = azurerm_resource_group.records, legacy = azurerm_resource_group.legacy }
  name                     = "stfmsa${each.key}"
  resource_group_name      = each.value.name
  location                 = each.value.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
