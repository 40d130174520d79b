variable "certificate_domain" {
  type        = string
  description = "Domain name of the ACM certificates; null uses domain. The certificate must cover the API and static names."
  default     = null
}

variable "domain" {
  type        = string
  description = "Public Route 53 zone, e.g. example.com."
  nullable    = false
}

variable "enable_release_lookup" {
  type        = bool
  description = "Also look up <project>-release, -configuration, -keys and alias/<project>-release (made by global)."
  default     = true
  nullable    = false
}

variable "project" {
  type        = string
  description = "Name prefix used by global."
  nullable    = false
}
