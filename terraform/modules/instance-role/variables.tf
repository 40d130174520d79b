variable "description" {
  type        = string
  description = "What the instances using this role do."
  nullable    = false
}

variable "name" {
  type        = string
  description = "Name of the role and of its instance profile."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "policy_json" {
  type        = string
  description = "The role's permissions as a policy document (JSON); least privilege, no wildcard actions."
  nullable    = false
}
