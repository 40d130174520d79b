module "lookup" {
  source = "../../modules/lookup"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  domain                = var.domain
  certificate_domain    = var.certificate_domain
  project               = var.project
  enable_release_lookup = false
}

module "release" {
  source = "../../modules/release"

  project       = var.project
  force_destroy = !var.deletion_protection
}

module "packer" {
  source = "../../modules/packer"

  project     = var.project
  kms_key_arn = module.release.kms_key_arn
  read_bucket_arns = [
    module.release.configuration_bucket_arn,
    module.release.release_bucket_arn,
  ]
}
