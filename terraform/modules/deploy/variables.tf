variable "app_name" {
  type        = string
  description = "Name of the release; user data writes /etc/<app_name>/instance.env (API_COLOUR) for the service."
  default     = "hello_world"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.app_name))
    error_message = "app_name must be a lowercase OTP application name: a letter, then letters, digits or underscores."
  }
}

variable "colour" {
  type        = string
  description = "Colour this group serves: blue or green."
  nullable    = false

  validation {
    condition     = contains(["blue", "green"], var.colour)
    error_message = "colour must be \"blue\" or \"green\"."
  }
}

variable "cpu_target_value" {
  type        = number
  description = "Average CPU utilisation (percent) the scaling policy keeps the group at, when enable_cpu_scaling is on."
  default     = 60
  nullable    = false

  validation {
    condition     = var.cpu_target_value >= 10 && var.cpu_target_value <= 90
    error_message = "cpu_target_value must be a percentage from 10 to 90."
  }
}

variable "desired_capacity" {
  type        = number
  description = "Instances of this colour: the group's minimum, and its desired capacity unless CPU scaling owns that (0 retires the colour)."
  nullable    = false

  validation {
    condition     = var.desired_capacity >= 0 && var.desired_capacity <= 20 && floor(var.desired_capacity) == var.desired_capacity
    error_message = "desired_capacity must be a whole number from 0 to 20."
  }
}

variable "enable_cpu_scaling" {
  type        = bool
  description = "Scale between desired_capacity and max_capacity on average CPU (target tracking); terraform then stops setting the desired capacity."
  default     = false
  nullable    = false
}

variable "enable_instance_refresh" {
  type        = bool
  description = "Replace running instances with a rolling instance refresh when the launch template changes (a new version_tag); off where a release tool replaces instances itself (blue/green)."
  default     = false
  nullable    = false
}

variable "environment" {
  type        = string
  description = "Environment name; also the AMI's environment tag."
  nullable    = false
}

variable "health_check_grace_period" {
  type        = number
  description = "Seconds a new instance has before the ELB health check counts."
  default     = 120
  nullable    = false
}

variable "instance_profile_name" {
  type        = string
  description = "Instance profile of the API instances (api module)."
  nullable    = false
}

variable "instance_refresh_max_healthy_percentage" {
  type        = number
  description = "Instance refresh: most of desired_capacity that may be in service or pending while replacing (100-200); above 100 launches replacements before terminating."
  default     = 200
  nullable    = false

  validation {
    condition     = var.instance_refresh_max_healthy_percentage >= 100 && var.instance_refresh_max_healthy_percentage <= 200 && floor(var.instance_refresh_max_healthy_percentage) == var.instance_refresh_max_healthy_percentage
    error_message = "instance_refresh_max_healthy_percentage must be a whole number from 100 to 200."
  }

  validation {
    condition     = var.instance_refresh_max_healthy_percentage - var.instance_refresh_min_healthy_percentage <= 100
    error_message = "instance_refresh_max_healthy_percentage may exceed instance_refresh_min_healthy_percentage by 100 at most (AWS refuses a wider range)."
  }
}

variable "instance_refresh_min_healthy_percentage" {
  type        = number
  description = "Instance refresh: least of desired_capacity kept in service and healthy while replacing (0-100)."
  default     = 100
  nullable    = false

  validation {
    condition     = var.instance_refresh_min_healthy_percentage >= 0 && var.instance_refresh_min_healthy_percentage <= 100 && floor(var.instance_refresh_min_healthy_percentage) == var.instance_refresh_min_healthy_percentage
    error_message = "instance_refresh_min_healthy_percentage must be a whole number from 0 to 100."
  }
}

variable "instance_type" {
  type        = string
  description = "Instance type."
  default     = "t3.small"
  nullable    = false
}

variable "max_capacity" {
  type        = number
  description = "Upper bound for CPU scaling beyond desired_capacity; never below it (a retired colour, desired_capacity 0, gets 0)."
  default     = 0
  nullable    = false

  validation {
    condition     = var.max_capacity >= 0 && var.max_capacity <= 100
    error_message = "max_capacity must be between 0 and 100."
  }
}

variable "project" {
  type        = string
  description = "Name prefix of every resource."
  nullable    = false
}

variable "root_volume_size" {
  type        = number
  description = "Root volume size in GiB."
  default     = 8
  nullable    = false
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the instances (the api module's API group)."
  nullable    = false
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets the instances start in."
  nullable    = false
}

variable "target_group_arn" {
  type        = string
  description = "Target group of this colour (api module)."
  nullable    = false
}

variable "version_tag" {
  type        = string
  description = "Release to run: the version tag of the AMI, e.g. v1.2.3."
  nullable    = false

  validation {
    condition     = can(regex("^v?[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$", var.version_tag))
    error_message = "version_tag must look like a semantic version: 1.2.3, v1.2.3 or v1.2.3-rc.1."
  }
}

variable "wait_for_capacity_timeout" {
  type        = string
  description = "How long terraform waits for the group's instances; \"0\" skips (the release tool waits for health itself)."
  default     = "10m"
  nullable    = false
}
