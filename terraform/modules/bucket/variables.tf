variable "cors_rules" {
  type = list(object({
    allowed_headers = optional(list(string), [])
    allowed_methods = list(string)
    allowed_origins = list(string)
    expose_headers  = optional(list(string), [])
    max_age_seconds = optional(number, 3000)
  }))
  description = "CORS rules; origins must be explicit (no \"*\")."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for rule in var.cors_rules : !contains(rule.allowed_origins, "*")])
    error_message = "cors_rules: allowed_origins must list explicit origins such as \"https://app.example.com\"; \"*\" is not allowed."
  }
}

variable "enable_versioning" {
  type        = bool
  description = "Keep every version of every object."
  default     = true
  nullable    = false
}

variable "expiration_days" {
  type        = number
  description = "Expire objects (and noncurrent versions) after this many days; null keeps them forever."
  default     = null

  validation {
    condition     = var.expiration_days == null ? true : var.expiration_days >= 1
    error_message = "expiration_days must be null or a whole number of days >= 1."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy the bucket with its objects (ephemeral environments only)."
  default     = false
  nullable    = false
}

variable "kms_key_arn" {
  type        = string
  description = "Customer managed KMS key for SSE-KMS; null uses the AWS managed key aws/s3. Ignored with AES256."
  default     = null
}

variable "name" {
  type        = string
  description = "Globally unique bucket name."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 characters of lowercase letters, digits, dots and dashes."
  }
}

variable "policy_documents" {
  type        = list(string)
  description = "Extra bucket policy documents (JSON) merged with the TLS-only statement."
  default     = []
  nullable    = false
}

variable "sse_algorithm" {
  type        = string
  description = "Default encryption: aws:kms (preferred) or AES256 (for log deliveries and CloudFront origins that cannot use the AWS managed key)."
  default     = "aws:kms"
  nullable    = false

  validation {
    condition     = contains(["aws:kms", "AES256"], var.sse_algorithm)
    error_message = "sse_algorithm must be \"aws:kms\" or \"AES256\"."
  }
}
