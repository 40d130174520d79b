# Variables and locals of the four images (common -> elixir -> api, common -> bastion).
# Build one image with: packer build -only='common.*' packer/ (see README, "Images").

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "~> 1.3"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = "~> 1.1"
    }
  }
}

variable "ansible_user" {
  type        = string
  description = "Login user of the official Debian AMI, used by the Ansible provisioner."
  default     = "admin"
}

variable "app_name" {
  type        = string
  description = "Name of the Elixir release (the OTP application) the api image installs."
  default     = "hello_world"
}

variable "app_user" {
  type        = string
  description = "Unprivileged user that runs the application (no sudo)."
  default     = "my-product"
}

variable "bastion_idle_minutes" {
  type        = number
  description = "Minutes without any logged-in user after which the bastion powers itself off."
  default     = 30
}

variable "build_instance_profile" {
  type        = string
  description = "Instance profile of the build instance: <project>-packer, created by terraform/environments/global (modules/packer); lets the api build read the release buckets."
  default     = "my-product-packer"
}

variable "build_subnet_class" {
  type        = string
  description = "Value of the Class tag that marks the subnets build instances run in."
  default     = "build"
}

variable "debian_ami_name" {
  type        = string
  description = "Name pattern of the official Debian 12 AMIs; the newest match is the base of common and bastion."
  default     = "debian-12-amd64-*"
}

variable "debian_ami_owner" {
  type        = string
  description = "Account that publishes the official Debian AMIs (pinned, so a look-alike AMI can never be picked)."
  default     = "136693071363"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.debian_ami_owner))
    error_message = "The debian_ami_owner must be a 12-digit AWS account id."
  }
}

variable "elixir_apt_repository" {
  type        = string
  description = "Extra apt repository line for Erlang/Elixir; empty installs Debian's own packages (the same as local builds)."
  default     = ""
}

variable "environment" {
  type        = string
  description = "Environment the images are built for (tag environment; selects the configuration in S3)."
  default     = "staging"

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "The environment must be staging or production."
  }
}

variable "instance_type" {
  type        = string
  description = "Instance type of the build instances."
  default     = "t3.small"
}

variable "kms_key_id" {
  type        = string
  description = "KMS key for the AMI snapshots; empty uses the account's default EBS key."
  default     = ""
}

variable "project" {
  type        = string
  description = "Project name; prefix of the buckets (<project>-release, <project>-configuration, <project>-keys)."
  default     = "my-product"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$", var.project))
    error_message = "The project must be 3-42 lowercase letters, digits or hyphens (it names S3 buckets)."
  }
}

variable "region" {
  type        = string
  description = "Region the images are built and registered in."
  default     = "eu-west-1"
}

variable "version" {
  type        = string
  description = "Version of what is being built: the release version for api, the image version otherwise (tag version)."
  default     = "0.1.0"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$", var.version))
    error_message = "The version must be semantic (for example 1.2.3 or 1.2.3-rc.1)."
  }
}

variable "volume_size" {
  type        = number
  description = "Size in GiB of the root volume of the images."
  default     = 8
}

locals {
  build_date  = formatdate("YYYY-MM-DD'T'hh:mm:ssZ", timestamp())
  build_stamp = formatdate("YYYYMMDDhhmmss", timestamp())

  # Tags every image, its snapshots and its build instance carry (plus component).
  tags = {
    environment = var.environment
    version     = var.version
    build_date  = local.build_date
    project     = var.project
  }

  # What the manifest post-processor records for every build (plus component).
  manifest_data = {
    environment = var.environment
    version     = var.version
  }
}
