variable "admin_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to SSH to the bastion (never 0.0.0.0/0), e.g. [\"203.0.113.0/24\"]."
  nullable    = false
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
  default     = "api"
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

variable "colours" {
  type = map(object({
    version  = string
    capacity = number
    weight   = number
  }))
  description = "Blue/green state, written by the release tool as tfvars JSON: per colour the version (AMI version tag), the instance count and the share of traffic."
  nullable    = false

  validation {
    condition     = length(var.colours) == 2 && contains(keys(var.colours), "blue") && contains(keys(var.colours), "green")
    error_message = "colours must have exactly two keys: \"blue\" and \"green\"."
  }

  validation {
    condition     = alltrue([for c in values(var.colours) : c.weight >= 0 && c.weight <= 100 && floor(c.weight) == c.weight])
    error_message = "colours weights must be whole numbers from 0 to 100."
  }

  validation {
    condition     = sum([for c in values(var.colours) : c.weight]) == 100
    error_message = "colours weights must add up to 100."
  }

  validation {
    condition     = alltrue([for c in values(var.colours) : c.capacity >= 0 && c.capacity <= 20 && floor(c.capacity) == c.capacity])
    error_message = "colours capacities must be whole numbers from 0 to 20."
  }

  validation {
    condition     = alltrue([for c in values(var.colours) : can(regex("^v?[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$", c.version))])
    error_message = "colours versions must look like semantic versions: 1.2.3, v1.2.3 or v1.2.3-rc.1."
  }
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

variable "enable_cpu_scaling" {
  type        = bool
  description = "Scale each colour on average CPU between its capacity and five times it; the colour's capacity stays its minimum."
  default     = true
  nullable    = false
}

variable "pictures_subdomain" {
  type        = string
  description = "Label of the picture CDN's public name: <pictures_subdomain>.<domain>."
  default     = "pictures"
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
  default     = 2
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
  default     = false
  nullable    = false
}

variable "static_subdomain" {
  type        = string
  description = "Label of the static site's public name: <static_subdomain>.<domain>."
  default     = "static"
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
  default     = "10.20.0.0/16"
  nullable    = false
}
