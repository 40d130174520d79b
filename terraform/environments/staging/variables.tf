variable "admin_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to SSH to the bastion (never 0.0.0.0/0), e.g. [\"203.0.113.0/24\"]."
  nullable    = false
}

variable "api_capacity" {
  type        = number
  description = "API instances (0-20)."
  default     = 1
  nullable    = false

  validation {
    condition     = var.api_capacity >= 0 && var.api_capacity <= 20 && floor(var.api_capacity) == var.api_capacity
    error_message = "api_capacity must be a whole number from 0 to 20."
  }
}

variable "api_instance_type" {
  type        = string
  description = "Instance type of the API instances."
  default     = "t3.small"
  nullable    = false
}

variable "api_subdomain" {
  type        = string
  description = "Label of the API's public name: <api_subdomain>.<domain>."
  default     = "api-staging"
  nullable    = false
}

variable "api_version" {
  type        = string
  description = "Release to run: version tag of the api AMI, e.g. v1.0.0."
  nullable    = false
}

variable "app_name" {
  type        = string
  description = "Name of the release (the OTP application), as the Packer api image installs it."
  default     = "hello_world"
  nullable    = false
}

variable "availability_zones" {
  type        = list(string)
  description = "AZs to use; empty takes the first two of the region."
  default     = []
  nullable    = false
}

variable "bastion_capacity" {
  type        = number
  description = "Initial capacity of the on-demand bastion (0 or 1), used only when its group is created; later changes are ignored: open and close it with the group's desired capacity (python -m harness bastion open|close, or aws autoscaling set-desired-capacity)."
  default     = 0
  nullable    = false
}

variable "certificate_domain" {
  type        = string
  description = "Domain name of the ACM certificates (regional and us-east-1); null uses domain. It must cover the API and static host names."
  default     = null
}

variable "cors_allowed_origins" {
  type        = list(string)
  description = "Origins allowed to use the picture bucket from a browser; empty means [\"https://<domain>\"]."
  default     = []
  nullable    = false
}

variable "deletion_protection" {
  type        = bool
  description = "Protect what holds data or traffic (ALB deletion protection, buckets kept when not empty); false only for ephemeral test environments."
  default     = true
  nullable    = false
}

variable "domain" {
  type        = string
  description = "Public Route 53 zone that exists in the account, e.g. example.com."
  nullable    = false

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain))
    error_message = "domain must be a lowercase DNS name such as example.com, without a trailing dot."
  }
}

variable "pictures_subdomain" {
  type        = string
  description = "Label of the picture CDN's public name: <pictures_subdomain>.<domain>."
  default     = "pictures-staging"
  nullable    = false
}

variable "project" {
  type        = string
  description = "Name prefix of every resource; 2-12 lowercase letters, digits or dashes so ALB and target group names fit in 32 characters."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,10}[a-z0-9]$", var.project))
    error_message = "project must be 2-12 lowercase letters, digits or dashes, starting with a letter and not ending with a dash."
  }
}

variable "redis_auth_token" {
  type        = string
  description = "Redis AUTH token (16-128 characters); pass it as TF_VAR_redis_auth_token, never in a committed file."
  sensitive   = true
  nullable    = false
}

variable "redis_node_type" {
  type        = string
  description = "ElastiCache node type."
  default     = "cache.t4g.micro"
  nullable    = false
}

variable "redis_num_cache_clusters" {
  type        = number
  description = "Redis nodes; 2 or more turns on automatic failover and Multi-AZ."
  default     = 1
  nullable    = false
}

variable "region" {
  type        = string
  description = "AWS region, e.g. eu-west-1."
  default     = "eu-west-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One shared NAT gateway instead of one per AZ."
  default     = true
  nullable    = false
}

variable "static_subdomain" {
  type        = string
  description = "Label of the static site's public name: <static_subdomain>.<domain>."
  default     = "static-staging"
  nullable    = false
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on every resource (merged into the provider's default_tags)."
  default     = {}
  nullable    = false
}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 CIDR of the VPC."
  default     = "10.10.0.0/16"
  nullable    = false
}
