variable "availability_zones" {
  type        = list(string)
  description = "AZ names to spread the subnets over; empty takes the first az_count available AZs of the region."
  default     = []
  nullable    = false
}

variable "az_count" {
  type        = number
  description = "How many AZs to use when availability_zones is empty."
  default     = 2
  nullable    = false

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6
    error_message = "az_count must be between 2 and 6 (an ALB needs two AZs)."
  }
}

variable "cidr_block" {
  type        = string
  description = "IPv4 CIDR of the VPC, e.g. 10.0.0.0/16."
  nullable    = false

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-4])$", var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR with a prefix between /16 and /24."
  }
}

variable "domain" {
  type        = string
  description = "Public domain; the private zone is <environment>.internal.<domain>."
  nullable    = false
}

variable "environment" {
  type        = string
  description = "Environment name (staging, production)."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or dashes."
  }
}

variable "flow_log_retention_days" {
  type        = number
  description = "Days to keep VPC flow logs."
  default     = 90
  nullable    = false
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy the flow log bucket and private zone with their content (ephemeral environments)."
  default     = false
  nullable    = false
}

variable "interface_endpoint_services" {
  type        = list(string)
  description = "Services reached through interface endpoints; must cover every service the instance roles are granted besides S3 (CRED-02): kms (api, bastion) and autoscaling (the bastion leaving its group)."
  default     = ["autoscaling", "kms"]
  nullable    = false

  validation {
    condition     = alltrue([for service in var.interface_endpoint_services : can(regex("^[a-z0-9.-]+$", service))]) && !contains(var.interface_endpoint_services, "s3")
    error_message = "interface_endpoint_services takes short service names such as \"kms\" or \"logs\"; s3 always has a gateway endpoint."
  }
}

variable "project" {
  type        = string
  description = "Name prefix of every resource."
  nullable    = false
}

variable "public_subnet_tags" {
  type        = map(string)
  description = "Extra tags on the public subnets, e.g. { Class = \"build\" } to let Packer's build instances run there; Name and tier are the module's own."
  default     = {}
  nullable    = false

  validation {
    condition     = !contains(keys(var.public_subnet_tags), "Name") && !contains(keys(var.public_subnet_tags), "tier")
    error_message = "public_subnet_tags must not set Name or tier: the module names the subnets and tags them tier = public."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One shared NAT gateway (cheaper) instead of one per AZ (survives an AZ outage)."
  default     = false
  nullable    = false
}

variable "subnet_newbits" {
  type        = number
  description = "Bits added to the VPC prefix for each subnet (8 makes /24 subnets in a /16)."
  default     = 8
  nullable    = false

  validation {
    condition     = var.subnet_newbits >= 2 && var.subnet_newbits <= 8
    error_message = "subnet_newbits must be between 2 and 8."
  }
}
