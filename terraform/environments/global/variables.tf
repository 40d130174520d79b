variable "certificate_domain" {
  type        = string
  description = "Domain name of the ACM certificates (regional and us-east-1); null uses domain. It must cover the API and static host names."
  default     = null
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

variable "project" {
  type        = string
  description = "Name prefix of every resource; 2-12 lowercase letters, digits or dashes so ALB and target group names fit in 32 characters."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,10}[a-z0-9]$", var.project))
    error_message = "project must be 2-12 lowercase letters, digits or dashes, starting with a letter and not ending with a dash."
  }
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

variable "tags" {
  type        = map(string)
  description = "Extra tags on every resource (merged into the provider's default_tags)."
  default     = {}
  nullable    = false
}
