variable "bucket_name" {
  type        = string
  description = "State bucket name (globally unique)."
  nullable    = false
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy the bucket with its states and the table (ephemeral accounts only)."
  default     = false
  nullable    = false
}

variable "lock_table_name" {
  type        = string
  description = "DynamoDB lock table name."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be 3-255 letters, digits, _, . or -."
  }
}
