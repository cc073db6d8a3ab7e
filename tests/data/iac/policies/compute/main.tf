# ETG 8.4.2: VMs under a management service, as far as code can say it (README.md)
provider "azurerm" {
  features {}
}
provider "google" {
  project = "fmsa-trading-prod"
  region  = "asia-east1"
}
variable "assessment" {
  type = string
}

resource "azurerm_linux_virtual_machine" "managed" {
  name                  = "example-machine"
  resource_group_name   = "example-resources"
  location              = "taiwannorth"
  size                  = "Standard_F2"
  admin_username        = "adminuser"
  network_interface_ids = ["/subscriptions/s/resourceGroups/example-resources/providers/Microsoft.Network/networkInterfaces/example-nic"]
  patch_assessment_mode = "AutomaticByPlatform"
  patch_mode            = "AutomaticByPlatform"

  admin_ssh_key {
    username   = "adminuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC+example"
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

resource "azurerm_linux_virtual_machine" "defaults" {
  name                  = "example-machine-2"
  resource_group_name   = "example-resources"
  location              = "taiwannorth"
  size                  = "Standard_F2"
  admin_username        = "adminuser"
  network_interface_ids = ["/subscriptions/s/resourceGroups/example-resources/providers/Microsoft.Network/networkInterfaces/example-nic-2"]

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

resource "azurerm_windows_virtual_machine" "guest_patching" {
  name                  = "example-win"
  resource_group_name   = "example-resources"
  location              = "taiwannorth"
  size                  = "Standard_F2"
  admin_username        = "adminuser"
  admin_password        = "P@$$w0rd1234!"
  network_interface_ids = ["/subscriptions/s/resourceGroups/example-resources/providers/Microsoft.Network/networkInterfaces/example-nic-3"]
  patch_mode            = "AutomaticByPlatform"
  hotpatching_enabled   = false

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2016-Datacenter"
    version   = "latest"
  }
}

resource "azurerm_windows_virtual_machine" "from_variable" {
  name                  = "example-win-2"
  resource_group_name   = "example-resources"
  location              = "taiwannorth"
  size                  = "Standard_F2"
  admin_username        = "adminuser"
  admin_password        = "P@$$w0rd1234!"
  network_interface_ids = ["/subscriptions/s/resourceGroups/example-resources/providers/Microsoft.Network/networkInterfaces/example-nic-4"]
  patch_assessment_mode = var.assessment

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2016-Datacenter"
    version   = "latest"
  }
}

resource "google_compute_instance" "own_setting" {
  name         = "my-instance"
  machine_type = "n2-standard-2"
  zone         = "asia-east1-b"

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-11"
    }
  }
  network_interface {
    network = "default"
  }
  metadata = {
    enable-osconfig = "TRUE"
  }
}

resource "google_compute_instance" "switched_off" {
  name         = "my-instance-2"
  machine_type = "n2-standard-2"
  zone         = "asia-east1-b"
  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-11"
    }
  }
  network_interface {
    network = "default"
  }
  metadata = {
    enable-osconfig = "FALSE"
    foo             = "bar"
  }
}

resource "google_compute_instance" "inherits" {
  name         = "my-instance-3"
  machine_type = "n2-standard-2"
  zone         = "asia-east1-b"
  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-11"
    }
  }
  network_interface {
    network = "default"
  }
}

resource "google_compute_instance" "stopped" {
  name           = "my-instance-4"
  machine_type   = "n2-standard-2"
  zone           = "asia-east1-b"
  desired_status = "TERMINATED"
  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-11"
    }
  }
  network_interface {
    network = "default"
  }
}

resource "google_compute_project_metadata_item" "osconfig" {
  key   = "enable-osconfig"
  value = "TRUE"
}
