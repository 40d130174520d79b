# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values whose plan is asserted
# on what security and the release path rest on. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  project                   = "myapp"
  environment               = "production"
  vpc_id                    = "vpc-0123456789abcdef0"
  public_subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  private_subnet_ids        = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  private_zone_id           = "Z1111111111111111111"
  private_zone_name         = "production.internal"
  zone_id                   = "Z0000000000000000000"
  hostname                  = "api.example.com"
  certificate_arn           = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  pictures_hostname         = "pictures.example.com"
  cdn_certificate_arn       = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  colours                   = { blue = { weight = 90 }, green = { weight = 10 } }
  bastion_security_group_id = "sg-0123456789abcdef0"
  release_bucket_name       = "myapp-release"
  configuration_bucket_name = "myapp-configuration"
  keys_bucket_name          = "myapp-keys"
  keys_prefix               = "production"
  kms_key_arn               = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  cors_allowed_origins      = ["https://example.com"]
  redis_auth_token          = "not-a-secret-test-token"
}

run "good_values_release_mid_switch" {
  command = plan

  # The groups' ARNs are known only after apply: fixed here so the forward's
  # (group, weight) pairs can be checked at plan.
  override_resource {
    target          = aws_lb_target_group.this["blue"]
    override_during = plan
    values          = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/myapp-production-blue/1" }
  }

  override_resource {
    target          = aws_lb_target_group.this["green"]
    override_during = plan
    values          = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/myapp-production-green/1" }
  }

  assert {
    condition = toset([
      for group in one(one(aws_lb_listener.https.default_action).forward).target_group : "${group.arn} ${group.weight}"
      ]) == toset([
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/myapp-production-blue/1 90",
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/myapp-production-green/1 10",
    ])
    error_message = "The HTTPS listener must forward to each colour's own target group with that colour's weight (blue 90, green 10)."
  }

  assert {
    condition     = startswith(aws_lb_listener.https.ssl_policy, "ELBSecurityPolicy-TLS13-") && aws_lb_listener.https.protocol == "HTTPS"
    error_message = "The API listener must be HTTPS with a TLS 1.3 policy."
  }

  assert {
    condition     = alltrue([for group in aws_lb_target_group.this : one(group.health_check).path == "/v1/" && one(group.health_check).matcher == "200"])
    error_message = "Every colour's target group must health-check /v1/ for a 200."
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && aws_lb.this.enable_deletion_protection
    error_message = "The load balancer must drop invalid headers and be protected from deletion by default."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.transit_encryption_enabled && aws_elasticache_replication_group.this.at_rest_encryption_enabled
    error_message = "Redis must be encrypted in transit (for AUTH) and at rest."
  }
}

run "api_port_unprivileged" {
  command = plan

  variables {
    api_port = 80
  }

  expect_failures = [var.api_port]
}

run "app_name_lowercase_identifier" {
  command = plan

  variables {
    app_name = "Hello-World"
  }

  expect_failures = [var.app_name]
}

run "cdn_certificate_arn_in_us_east_1" {
  command = plan

  variables {
    cdn_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [var.cdn_certificate_arn]
}

run "certificate_arn_must_be_acm" {
  command = plan

  variables {
    certificate_arn = "arn:aws:iam::123456789012:server-certificate/api"
  }

  expect_failures = [var.certificate_arn]
}

run "colours_only_blue_and_green" {
  command = plan

  variables {
    colours = { red = { weight = 100 } }
  }

  expect_failures = [var.colours]
}

run "colours_weights_whole_and_some_traffic" {
  command = plan

  variables {
    colours = { blue = { weight = 0 }, green = { weight = 0 } }
  }

  expect_failures = [var.colours]
}

run "cors_allowed_origins_https_only" {
  command = plan

  variables {
    cors_allowed_origins = ["http://example.com"]
  }

  expect_failures = [var.cors_allowed_origins]
}

run "ip_address_type_dualstack_or_ipv4" {
  command = plan

  variables {
    ip_address_type = "ipv6"
  }

  expect_failures = [var.ip_address_type]
}

run "pictures_price_class_cloudfront_class" {
  command = plan

  variables {
    pictures_price_class = "PriceClass_300"
  }

  expect_failures = [var.pictures_price_class]
}

run "redis_auth_token_16_to_128_characters" {
  command = plan

  variables {
    redis_auth_token = "too-short"
  }

  expect_failures = [var.redis_auth_token]
}

run "redis_engine_version_7" {
  command = plan

  variables {
    redis_engine_version = "6.2"
  }

  expect_failures = [var.redis_engine_version]
}

run "redis_num_cache_clusters_from_1_to_6" {
  command = plan

  variables {
    redis_num_cache_clusters = 7
  }

  expect_failures = [var.redis_num_cache_clusters]
}

run "ssl_policy_tls13" {
  command = plan

  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }

  expect_failures = [var.ssl_policy]
}
