# production: wiring only. Global's outputs are read by lookups (zone and
# certificates by domain, buckets and key by their deterministic names), so
# this environment plans on its own.

module "lookup" {
  source = "../../modules/lookup"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  domain             = var.domain
  certificate_domain = var.certificate_domain
  project            = var.project
}

module "network" {
  source = "../../modules/network"

  project            = var.project
  environment        = "production"
  domain             = var.domain
  cidr_block         = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  force_destroy      = !var.deletion_protection
}

module "static" {
  source = "../../modules/static"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  project            = var.project
  environment        = "production"
  domain             = var.domain
  certificate_domain = var.certificate_domain
  hostname           = "${var.static_subdomain}.${var.domain}"
  zone_id            = module.lookup.zone_id
  force_destroy      = !var.deletion_protection
}

module "bastion" {
  source = "../../modules/bastion"

  project          = var.project
  environment      = "production"
  vpc_id           = module.network.vpc_id
  vpc_cidr_block   = module.network.vpc_cidr_block
  subnet_ids       = module.network.public_subnet_ids
  admin_cidrs      = var.admin_cidrs
  desired_capacity = var.bastion_capacity
  keys_bucket_name = module.lookup.keys_bucket
  keys_prefix      = "production"
  kms_key_arn      = module.lookup.kms_key_arn
}

module "api" {
  source = "../../modules/api"

  app_name                  = var.app_name
  project                   = var.project
  environment               = "production"
  vpc_id                    = module.network.vpc_id
  public_subnet_ids         = module.network.public_subnet_ids
  private_subnet_ids        = module.network.private_subnet_ids
  private_zone_id           = module.network.private_zone_id
  private_zone_name         = module.network.private_zone_name
  zone_id                   = module.lookup.zone_id
  hostname                  = "${var.api_subdomain}.${var.domain}"
  certificate_arn           = module.lookup.certificate_arn
  pictures_hostname         = "${var.pictures_subdomain}.${var.domain}"
  cdn_certificate_arn       = module.lookup.cdn_certificate_arn
  colours                   = { for colour, c in var.colours : colour => { weight = c.weight } }
  bastion_security_group_id = module.bastion.security_group_id
  release_bucket_name       = module.lookup.release_bucket
  configuration_bucket_name = module.lookup.configuration_bucket
  keys_bucket_name          = module.lookup.keys_bucket
  keys_prefix               = "production"
  kms_key_arn               = module.lookup.kms_key_arn
  cors_allowed_origins      = length(var.cors_allowed_origins) > 0 ? var.cors_allowed_origins : ["https://${var.domain}"]
  redis_auth_token          = var.redis_auth_token
  redis_node_type           = var.redis_node_type
  redis_num_cache_clusters  = var.redis_num_cache_clusters
  redis_automatic_failover  = var.redis_num_cache_clusters >= 2
  deletion_protection       = var.deletion_protection
  force_destroy             = !var.deletion_protection
}

# Blue/green: the release tool only ever changes var.colours. A colour's
# capacity is its floor; with enable_cpu_scaling it scales on CPU up to five
# times that (the original's "max x5"), and terraform leaves desired alone.
module "deploy_blue" {
  source = "../../modules/deploy"

  app_name              = var.app_name
  project               = var.project
  environment           = "production"
  colour                = "blue"
  version_tag           = var.colours["blue"].version
  desired_capacity      = var.colours["blue"].capacity
  max_capacity          = var.colours["blue"].capacity * 5
  enable_cpu_scaling    = var.enable_cpu_scaling
  instance_type         = var.api_instance_type
  subnet_ids            = module.network.private_subnet_ids
  security_group_ids    = [module.api.api_security_group_id]
  instance_profile_name = module.api.instance_profile_name
  target_group_arn      = module.api.target_group_arns["blue"]

  # Blue/green owns replacement: the release tool empties the idle colour
  # before a version change, so a refresh would only replace live capacity.
  enable_instance_refresh = false
}

module "deploy_green" {
  source = "../../modules/deploy"

  app_name              = var.app_name
  project               = var.project
  environment           = "production"
  colour                = "green"
  version_tag           = var.colours["green"].version
  desired_capacity      = var.colours["green"].capacity
  max_capacity          = var.colours["green"].capacity * 5
  enable_cpu_scaling    = var.enable_cpu_scaling
  instance_type         = var.api_instance_type
  subnet_ids            = module.network.private_subnet_ids
  security_group_ids    = [module.api.api_security_group_id]
  instance_profile_name = module.api.instance_profile_name
  target_group_arn      = module.api.target_group_arns["green"]

  # Blue/green owns replacement: the release tool empties the idle colour
  # before a version change, so a refresh would only replace live capacity.
  enable_instance_refresh = false
}
