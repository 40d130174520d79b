variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy the buckets with their objects (ephemeral accounts only)."
  default     = false
  nullable    = false
}

variable "kms_deletion_window_in_days" {
  type        = number
  description = "Days a deleted key can still be recovered."
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "project" {
  type        = string
  description = "Name prefix; buckets are <project>-release, <project>-configuration and <project>-keys."
  nullable    = false
}
