variable "deletion_protection" {
  type        = bool
  description = "Keep the state bucket and lock table from being destroyed while they hold anything; false only for ephemeral accounts."
  default     = true
  nullable    = false
}

variable "project" {
  type        = string
  description = "Name prefix: the bucket is <project>-terraform-state, the table <project>-terraform-lock."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,10}[a-z0-9]$", var.project))
    error_message = "project must be 2-12 lowercase letters, digits or dashes, starting with a letter and not ending with a dash."
  }
}

variable "region" {
  type        = string
  description = "AWS region of the state, e.g. eu-west-1."
  default     = "eu-west-1"
  nullable    = false
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on every resource."
  default     = {}
  nullable    = false
}
