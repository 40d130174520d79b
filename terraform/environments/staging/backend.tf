# Partial configuration: bucket, region and the lock settings come from
# `terraform init -backend-config=backend.hcl` (see backend.hcl.example), so
# every account, and every test run, can point at its own state bucket.
terraform {
  backend "s3" {
    key     = "staging/terraform.tfstate"
    encrypt = true
  }
}
