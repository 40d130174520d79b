variable "bucket_arn" {
  type        = string
  description = "ARN of the origin bucket (for the read statement in bucket_policy_json)."
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::my-bucket."
  }
}

variable "bucket_regional_domain_name" {
  type        = string
  description = "Regional domain name of the origin bucket, e.g. my-bucket.s3.eu-west-1.amazonaws.com."
  nullable    = false
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate in us-east-1 covering hostname."
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN in us-east-1 (arn:aws:acm:us-east-1:...), the region CloudFront reads certificates from."
  }
}

variable "default_root_object" {
  type        = string
  description = "Object served for the root URL; null serves none."
  default     = null
}

variable "description" {
  type        = string
  description = "Description of the origin access control."
  nullable    = false
}

variable "hostname" {
  type        = string
  description = "Public name of the distribution, e.g. static.example.com."
  nullable    = false
}

variable "name" {
  type        = string
  description = "Name of the origin access control and comment of the distribution."
  nullable    = false

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 64
    error_message = "name must be 1-64 characters (origin access control names are limited to 64)."
  }
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
