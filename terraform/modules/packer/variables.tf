variable "kms_key_arn" {
  type        = string
  description = "KMS key of the buckets the builds read."
  nullable    = false
}

variable "project" {
  type        = string
  description = "Name prefix; the role and profile are <project>-packer."
  nullable    = false
}

variable "read_bucket_arns" {
  type        = list(string)
  description = "Buckets the build instances read (release and configuration)."
  nullable    = false

  validation {
    condition     = length(var.read_bucket_arns) > 0 && alltrue([for arn in var.read_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", arn))])
    error_message = "read_bucket_arns must list bucket ARNs such as arn:aws:s3:::example-release."
  }
}
