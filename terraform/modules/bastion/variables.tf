variable "admin_cidrs" {
  type        = list(string)
  description = "CIDRs (IPv4 or IPv6) allowed to SSH to the bastion, e.g. the office's public range."
  nullable    = false

  validation {
    condition     = length(var.admin_cidrs) > 0 && alltrue([for cidr in var.admin_cidrs : can(cidrhost(cidr, 0))])
    error_message = "admin_cidrs must list at least one valid CIDR, such as \"203.0.113.0/24\"."
  }

  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : !contains(["0.0.0.0/0", "::/0"], cidr) && !endswith(cidr, "/0")])
    error_message = "admin_cidrs must not open SSH to the world: 0.0.0.0/0, ::/0 and any /0 are refused."
  }
}

variable "desired_capacity" {
  type        = number
  description = "Initial capacity, set only when the group is created: 0 (bastion off) or 1 (on). Later changes are ignored; open and close the bastion with the group's desired capacity."
  default     = 0
  nullable    = false

  validation {
    condition     = contains([0, 1], var.desired_capacity)
    error_message = "desired_capacity must be 0 or 1."
  }
}

variable "environment" {
  type        = string
  description = "Environment name; also the AMI's environment tag."
  nullable    = false
}

variable "instance_type" {
  type        = string
  description = "Bastion instance type."
  default     = "t3.micro"
  nullable    = false
}

variable "keys_bucket_name" {
  type        = string
  description = "Bucket holding the SSH public keys of the users."
  nullable    = false
}

variable "keys_prefix" {
  type        = string
  description = "Prefix in the keys bucket whose keys the bastion may read (no leading or trailing slash), e.g. staging."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$", var.keys_prefix))
    error_message = "keys_prefix must be path segments of letters, digits, _ and - separated by /, without leading or trailing slash."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key encrypting the keys bucket."
  nullable    = false
}

variable "project" {
  type        = string
  description = "Name prefix of every resource."
  nullable    = false
}

variable "root_volume_size" {
  type        = number
  description = "Root volume size in GiB."
  default     = 8
  nullable    = false
}

variable "subnet_ids" {
  type        = list(string)
  description = "Public subnets the bastion may start in."
  nullable    = false
}

variable "vpc_cidr_block" {
  type        = string
  description = "IPv4 CIDR of the VPC (SSH egress)."
  nullable    = false
}

variable "vpc_id" {
  type        = string
  description = "VPC id."
  nullable    = false
}
