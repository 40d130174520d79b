variable "certificate_domain" {
  type        = string
  description = "Domain name of the us-east-1 ACM certificate; null uses domain. It must cover hostname."
  default     = null
}

variable "default_root_object" {
  type        = string
  description = "Object served for the root URL."
  default     = "index.html"
  nullable    = false
}

variable "domain" {
  type        = string
  description = "Public domain (certificate lookup)."
  nullable    = false
}

variable "environment" {
  type        = string
  description = "Environment name."
  nullable    = false
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy the bucket with its objects (ephemeral environments)."
  default     = false
  nullable    = false
}

variable "hostname" {
  type        = string
  description = "Public name of the static site, e.g. static.example.com."
  nullable    = false
}

variable "price_class" {
  type        = string
  description = "CloudFront price class."
  default     = "PriceClass_100"
  nullable    = false

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "project" {
  type        = string
  description = "Name prefix of every resource."
  nullable    = false
}

variable "web_acl_id" {
  type        = string
  description = "WAF web ACL (ARN) to attach to the distribution; null attaches none."
  default     = null
}

variable "zone_id" {
  type        = string
  description = "Public Route 53 zone holding hostname."
  nullable    = false
}
