variable "api_port" {
  type        = number
  description = "Port the API listens on."
  default     = 4001
  nullable    = false

  validation {
    condition     = var.api_port >= 1024 && var.api_port <= 65535
    error_message = "api_port must be an unprivileged port, 1024-65535."
  }
}

variable "app_name" {
  type        = string
  description = "Name of the release (the OTP application): its prefix in the release bucket and under <environment>/ in the configuration bucket."
  default     = "hello_world"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.app_name))
    error_message = "app_name must be a lowercase OTP application name: a letter, then letters, digits or underscores."
  }
}

variable "bastion_security_group_id" {
  type        = string
  description = "Security group of the bastion, the only source of SSH to the API instances."
  nullable    = false
}

variable "cdn_certificate_arn" {
  type        = string
  description = "ACM certificate in us-east-1 covering pictures_hostname (CloudFront)."
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.cdn_certificate_arn))
    error_message = "cdn_certificate_arn must be an ACM certificate ARN in us-east-1 (arn:aws:acm:us-east-1:...)."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate (in the ALB's region) covering hostname."
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:...)."
  }
}

variable "colours" {
  type = map(object({
    weight = number
  }))
  description = "Colours with a target group, and the share of traffic each gets (blue and/or green)."
  nullable    = false

  validation {
    condition     = length(var.colours) > 0 && alltrue([for colour in keys(var.colours) : contains(["blue", "green"], colour)])
    error_message = "colours keys must be \"blue\" and/or \"green\"."
  }

  validation {
    condition     = alltrue([for c in values(var.colours) : c.weight >= 0 && c.weight <= 100 && floor(c.weight) == c.weight]) && sum([for c in values(var.colours) : c.weight]) > 0
    error_message = "colours weights must be whole numbers 0-100, and at least one must be above 0."
  }
}

variable "configuration_bucket_name" {
  type        = string
  description = "Bucket with configuration and secrets; the API reads <environment>/<app_name>/ in it."
  nullable    = false
}

variable "cors_allowed_origins" {
  type        = list(string)
  description = "Origins allowed to use the picture bucket from a browser, e.g. https://example.com."
  nullable    = false

  validation {
    condition     = length(var.cors_allowed_origins) > 0 && alltrue([for origin in var.cors_allowed_origins : can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", origin))])
    error_message = "cors_allowed_origins must list https origins such as \"https://example.com\"; \"*\" is not allowed."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the ALB from deletion; set false only for ephemeral test environments."
  default     = true
  nullable    = false
}

variable "deregistration_delay" {
  type        = number
  description = "Seconds the ALB drains a target before deregistering it."
  default     = 30
  nullable    = false
}

variable "distribution_port_range" {
  type = object({
    from = number
    to   = number
  })
  description = "Erlang distribution ports opened between API instances when clustering."
  default     = { from = 9100, to = 9155 }
  nullable    = false
}

variable "enable_clustering" {
  type        = bool
  description = "Open EPMD (4369) and the distribution ports between API instances (Erlang clustering)."
  default     = false
  nullable    = false
}

variable "environment" {
  type        = string
  description = "Environment name."
  nullable    = false
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy the buckets with their objects (ephemeral environments)."
  default     = false
  nullable    = false
}

variable "health_check_path" {
  type        = string
  description = "Path the target groups check."
  default     = "/v1/"
  nullable    = false
}

variable "hostname" {
  type        = string
  description = "Public name of the API, e.g. api.example.com."
  nullable    = false
}

variable "ip_address_type" {
  type        = string
  description = "ALB address type: dualstack (IPv4 and IPv6) or ipv4."
  default     = "dualstack"
  nullable    = false

  validation {
    condition     = contains(["dualstack", "ipv4"], var.ip_address_type)
    error_message = "ip_address_type must be \"dualstack\" or \"ipv4\"."
  }
}

variable "keys_bucket_name" {
  type        = string
  description = "Bucket with the users' SSH public keys."
  nullable    = false
}

variable "keys_prefix" {
  type        = string
  description = "Prefix of the keys bucket the API instances may read (no slashes at the ends)."
  nullable    = false
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key of the release, configuration and keys buckets."
  nullable    = false
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep ALB access logs."
  default     = 90
  nullable    = false
}

variable "pictures_hostname" {
  type        = string
  description = "Public name of the picture CDN, e.g. pictures.example.com."
  nullable    = false
}

variable "pictures_price_class" {
  type        = string
  description = "CloudFront price class of the picture CDN."
  default     = "PriceClass_100"
  nullable    = false

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.pictures_price_class)
    error_message = "pictures_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets (Redis)."
  nullable    = false
}

variable "private_zone_id" {
  type        = string
  description = "Private zone for internal names."
  nullable    = false
}

variable "private_zone_name" {
  type        = string
  description = "Name of the private zone."
  nullable    = false
}

variable "project" {
  type        = string
  description = "Name prefix of every resource."
  nullable    = false
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Public subnets (ALB), at least two AZs."
  nullable    = false
}

variable "redis_auth_token" {
  type        = string
  description = "Redis AUTH token, 16-128 printable characters without spaces, /, \" or @."
  sensitive   = true
  nullable    = false

  validation {
    condition     = length(var.redis_auth_token) >= 16 && length(var.redis_auth_token) <= 128 && can(regex("^[!#-.0-?A-~]+$", var.redis_auth_token))
    error_message = "redis_auth_token must be 16-128 printable ASCII characters without spaces, /, \" or @."
  }
}

variable "redis_automatic_failover" {
  type        = bool
  description = "Automatic failover and Multi-AZ (needs redis_num_cache_clusters >= 2)."
  default     = false
  nullable    = false
}

variable "redis_engine_version" {
  type        = string
  description = "Redis engine version (7.x)."
  default     = "7.1"
  nullable    = false

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be a Redis 7 version such as \"7.1\"."
  }
}

variable "redis_node_type" {
  type        = string
  description = "ElastiCache node type."
  default     = "cache.t4g.micro"
  nullable    = false
}

variable "redis_num_cache_clusters" {
  type        = number
  description = "Nodes in the replication group (1 primary + replicas)."
  default     = 1
  nullable    = false

  validation {
    condition     = var.redis_num_cache_clusters >= 1 && var.redis_num_cache_clusters <= 6
    error_message = "redis_num_cache_clusters must be between 1 and 6."
  }
}

variable "redis_parameter_group_name" {
  type        = string
  description = "Parameter group matching redis_engine_version."
  default     = "default.redis7"
  nullable    = false
}

variable "redis_snapshot_retention_limit" {
  type        = number
  description = "Days of automatic Redis snapshots (0 turns them off)."
  default     = 1
  nullable    = false
}

variable "release_bucket_name" {
  type        = string
  description = "Bucket holding the releases."
  nullable    = false
}

variable "ssl_policy" {
  type        = string
  description = "TLS policy of the HTTPS listener (TLS 1.3 with 1.2 fallback)."
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  nullable    = false

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "ssl_policy must be an ELBSecurityPolicy-TLS13-* policy, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC id."
  nullable    = false
}

variable "zone_id" {
  type        = string
  description = "Public Route 53 zone holding hostname."
  nullable    = false
}
